using System.Globalization;
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

    /// <summary>
    /// The first pairs of the object; nested objects become "outer inner" keys, and false or empty
    /// values are left out as noise.
    /// </summary>
    public static IReadOnlyList<Pair> Pairs(string json) => [.. All(json).Take(MaxPairs)];

    /// <summary>How many pairs <see cref="Pairs"/> left out beyond its limit.</summary>
    public static int Hidden(string json) => Math.Max(0, All(json).Count - MaxPairs);

    private static List<Pair> All(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? [.. Flatten(document.RootElement, prefix: "")]
                : [new Pair("value", Shorten(Text(document.RootElement)))];
        }
        catch (JsonException)
        {
            return [new Pair("details", Shorten(json))];
        }
    }

    private static IEnumerable<Pair> Flatten(JsonElement element, string prefix)
    {
        foreach (var property in element.EnumerateObject().Where(p => !IsNoise(p.Value)))
        {
            var key = prefix + property.Name.Replace('_', ' ');
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var pair in Flatten(property.Value, key + " "))
                {
                    yield return pair;
                }
            }
            else
            {
                yield return new Pair(key, Shorten(Text(property.Value)));
            }
        }
    }

    private static bool IsNoise(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.False or JsonValueKind.Null or JsonValueKind.Undefined => true,
        JsonValueKind.Array => value.GetArrayLength() == 0,
        JsonValueKind.Object => !value.EnumerateObject().Any(),
        JsonValueKind.String => value.GetString() is null or "",
        _ => false,
    };

    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True => "yes",
        JsonValueKind.String => Moment(value.GetString()!),
        JsonValueKind.Array => value.GetArrayLength() <= 3
            ? string.Join(", ", value.EnumerateArray().Select(Text))
            : $"{string.Join(", ", value.EnumerateArray().Take(3).Select(Text))} +{value.GetArrayLength() - 3}",
        JsonValueKind.Object => string.Join(", ", value.EnumerateObject().Select(p => $"{p.Name.Replace('_', ' ')}: {Text(p.Value)}")),
        _ => value.GetRawText(),
    };

    /// <summary>A timestamp as the rest of the UI writes it (UTC, a date alone at midnight); other text as it is.</summary>
    private static string Moment(string text) =>
        text.Length >= 20 && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var moment)
            ? moment.UtcDateTime.TimeOfDay == TimeSpan.Zero
                ? moment.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                : moment.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
            : text;

    private static string Shorten(string text) => text.Length <= MaxValueLength ? text : text[..MaxValueLength] + "…";
}
