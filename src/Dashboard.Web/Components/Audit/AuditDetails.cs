using System.Text.Json;

namespace Dashboard.Web.Components.Audit;

/// <summary>
/// An audit row's options (a JSON object) as short "key: value" pairs a person can read at a
/// glance; the full JSON stays one hover away.
/// </summary>
public static class AuditDetails
{
    private const int MaxPairs = 8;
    private const int MaxValueLength = 40;

    public sealed record Pair(string Key, string Value);

    /// <summary>The first pairs of the object; false/empty values are left out as noise, in nested objects too.</summary>
    public static IReadOnlyList<Pair> Pairs(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return [new Pair("value", Shorten(document.RootElement.ToString()))];
            }

            return document.RootElement.EnumerateObject()
                .Where(p => !IsNoise(p.Value))
                .Take(MaxPairs)
                .Select(p => new Pair(p.Name.Replace('_', ' '), Shorten(Text(p.Value))))
                .ToList();
        }
        catch (JsonException)
        {
            return [new Pair("details", Shorten(json))];
        }
    }

    /// <summary>How many pairs <see cref="Pairs"/> left out beyond its limit.</summary>
    public static int Hidden(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? Math.Max(0, document.RootElement.EnumerateObject().Count(p => !IsNoise(p.Value)) - MaxPairs)
                : 0;
        }
        catch (JsonException)
        {
            return 0;
        }
    }

    private static bool IsNoise(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.False or JsonValueKind.Null or JsonValueKind.Undefined => true,
        JsonValueKind.Array => value.GetArrayLength() == 0,
        JsonValueKind.Object => value.EnumerateObject().All(p => IsNoise(p.Value)), // nested, as at the top: {"moved": [], "kept": null} says nothing
        JsonValueKind.String => value.GetString() is null or "",
        _ => false,
    };

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => "yes",
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Array => value.GetArrayLength() <= 3
            ? string.Join(", ", value.EnumerateArray().Select(Text))
            : $"{string.Join(", ", value.EnumerateArray().Take(3).Select(Text))} +{value.GetArrayLength() - 3}",
        JsonValueKind.Object => string.Join(", ", value.EnumerateObject().Where(p => !IsNoise(p.Value)).Select(p => $"{p.Name.Replace('_', ' ')}: {Text(p.Value)}")),
        _ => value.GetRawText(),
    };

    private static string Shorten(string text) => text.Length <= MaxValueLength ? text : text[..MaxValueLength] + "…";
}
