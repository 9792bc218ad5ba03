using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dashboard.Core.Connections;

/// <summary>
/// Airflow's sensitive field names: a variable whose key, or an extra field whose name, contains
/// one of them is treated as secret (masked, never shown) even when nobody marked it so.
/// </summary>
public static class SensitiveNames
{
    private static readonly string[] Words =
    [
        "access_token", "api_key", "apikey", "authorization", "passphrase", "passwd", "password",
        "private_key", "secret", "token", "keyfile_dict", "service_account",
    ];

    public static bool IsSensitive(string name) =>
        Words.Any(word => name.Contains(word, StringComparison.OrdinalIgnoreCase));

    /// <summary>The string values under sensitive names anywhere in <paramref name="node"/>, and everything below them.</summary>
    public static IEnumerable<string> SensitiveStrings(JsonNode? node, bool sensitive = false)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    foreach (var value in SensitiveStrings(child, sensitive || IsSensitive(name)))
                    {
                        yield return value;
                    }
                }

                break;
            case JsonArray array:
                foreach (var value in array.SelectMany(child => SensitiveStrings(child, sensitive)))
                {
                    yield return value;
                }

                break;
            case JsonValue leaf when sensitive:
                yield return leaf.GetValueKind() == JsonValueKind.String ? leaf.GetValue<string>() : leaf.ToJsonString();
                break;
        }
    }

    /// <summary>A copy of <paramref name="extra"/> with the values under sensitive names replaced by <c>***</c>, for people who may not see secrets.</summary>
    public static JsonObject Redact(JsonObject extra)
    {
        var copy = new JsonObject();
        foreach (var (name, child) in extra)
        {
            copy[name] = IsSensitive(name) ? SecretMasker.Mask : child switch
            {
                JsonObject nested => Redact(nested),
                _ => child?.DeepClone(),
            };
        }

        return copy;
    }
}
