using System.Globalization;
using System.Text.Json.Nodes;
using Dashboard.Core.Domain.Timetables;
using YamlDotNet.RepresentationModel;

namespace Dashboard.Core.Dags;

/// <summary>
/// Reads typed values out of a YAML mapping and records a line-numbered error for each key that
/// is unknown, missing or of the wrong type, so one pass reports every problem in a file.
/// </summary>
internal sealed class YamlFields(List<DagFileError> errors, DagFileLimits limits)
{
    public DagFileLimits Limits => limits;

    /// <summary>How many problems were recorded so far: a check that builds on others runs only while they found none.</summary>
    public int ErrorCount => errors.Count;

    public void Error(YamlNode node, string message) => errors.Add(new DagFileError(LineOf(node), message));

    public static int LineOf(YamlNode node) => (int)node.Start.Line;

    /// <summary>Reports every key of <paramref name="map"/> that is not in <paramref name="allowed"/>.</summary>
    public void RejectUnknownKeys(YamlMappingNode map, IReadOnlyCollection<string> allowed, string where)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? "";
            if (!allowed.Contains(name))
            {
                Error(key, $"unknown key '{name}' in {where}; expected one of: {string.Join(", ", allowed)}");
            }
        }
    }

    public static YamlNode? Find(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    public string? String(YamlMappingNode map, string key, string where, bool required = false)
    {
        var node = Find(map, key);
        if (node is null || IsNull(node))
        {
            if (required)
            {
                Error(node ?? map, $"{where} needs '{key}'");
            }

            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            return scalar.Value;
        }

        Error(node, $"'{key}' in {where} must be text, not a {Describe(node)}");
        return null;
    }

    /// <summary>Reports <paramref name="value"/> of <paramref name="key"/> when it is longer than <paramref name="max"/>, naming the setting that raises it.</summary>
    public void CheckLength(YamlMappingNode map, string key, string? value, string what, int max, string setting)
    {
        if (value is not null && value.Length > max)
        {
            Error(Find(map, key)!, $"{what} is {value.Length:N0} characters long, more than {max:N0} (the limit is the setting Dags:{setting})");
        }
    }

    public int? Int(YamlMappingNode map, string key, string where, int min)
    {
        if (Scalar(map, key, where, "a whole number") is not { } scalar)
        {
            return null;
        }

        if (!int.TryParse(scalar.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Error(scalar, $"'{key}' in {where} must be a whole number, got '{scalar.Value}'");
            return null;
        }

        if (value < min)
        {
            Error(scalar, $"'{key}' in {where} must be at least {min}, got {value}");
            return null;
        }

        return value;
    }

    public bool? Bool(YamlMappingNode map, string key, string where)
    {
        if (Scalar(map, key, where, "true or false") is not { } scalar)
        {
            return null;
        }

        switch (scalar.Value?.ToLowerInvariant())
        {
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            default:
                Error(scalar, $"'{key}' in {where} must be true or false, got '{scalar.Value}'");
                return null;
        }
    }

    /// <summary>
    /// A date (<c>2024-01-01</c>) or a date-time, in UTC; without an offset it is wall-clock time in
    /// <paramref name="zone"/>, as Airflow reads a DAG's dates.
    /// </summary>
    public DateTimeOffset? Date(YamlMappingNode map, string key, string where, TimeZoneInfo zone)
    {
        if (Scalar(map, key, where, "a date") is not { } scalar)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(scalar.Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            if (value.Year is < Timetable.EarliestYear or > Timetable.LatestYear)
            {
                Error(scalar, $"'{key}' in {where} must be in the years {Timetable.EarliestYear} to {Timetable.LatestYear}, got '{scalar.Value}'");
                return null;
            }

            return HasOffset(scalar.Value!) ? value.ToUniversalTime() : WallClock.ToUtc(value.DateTime, zone);
        }

        Error(scalar, $"'{key}' in {where} must be a date such as 2024-01-01, got '{scalar.Value}'");
        return null;
    }

    /// <summary>Seconds as a number, or a duration such as <c>90s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c> or <c>00:05:00</c>.</summary>
    public TimeSpan? Duration(YamlMappingNode map, string key, string where)
    {
        if (Scalar(map, key, where, "a duration") is not { } scalar)
        {
            return null;
        }

        if (ParseDuration(scalar.Value ?? "") is { } value)
        {
            return value;
        }

        Error(scalar, $"'{key}' in {where} must be a duration such as 300, 90s, 5m, 2h or 00:05:00, got '{scalar.Value}'");
        return null;
    }

    public List<(string Value, YamlNode Node)>? StringList(YamlMappingNode map, string key, string where)
    {
        var node = Find(map, key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        // A single value is a list of one: `upstream: extract` reads naturally.
        if (node is YamlScalarNode single)
        {
            return [(single.Value ?? "", single)];
        }

        if (node is not YamlSequenceNode sequence)
        {
            Error(node, $"'{key}' in {where} must be a list, not a {Describe(node)}");
            return null;
        }

        var items = new List<(string, YamlNode)>();
        foreach (var item in sequence)
        {
            if (item is YamlScalarNode { Value: { } value } && !IsNull(item))
            {
                items.Add((value, item));
            }
            else
            {
                Error(item, $"every item of '{key}' in {where} must be text");
            }
        }

        return items;
    }

    public YamlMappingNode? Mapping(YamlMappingNode map, string key, string where)
    {
        var node = Find(map, key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlMappingNode mapping)
        {
            return mapping;
        }

        Error(node, $"'{key}' in {where} must be a mapping of names to values, not a {Describe(node)}");
        return null;
    }

    /// <summary>A YAML value as JSON: plain scalars that look like numbers, booleans or null become those.</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => ToJsonObject(map),
        YamlSequenceNode sequence => new JsonArray(sequence.Select(ToJson).ToArray()),
        YamlScalarNode scalar when IsNull(scalar) => null,
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } scalar => PlainScalar(scalar.Value!),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => null,
    };

    private static JsonObject ToJsonObject(YamlMappingNode map)
    {
        var json = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            // A key YAML spells as a list or mapping becomes its text; two keys with the same text keep the last.
            json[(key as YamlScalarNode)?.Value ?? key.ToString()] = ToJson(value);
        }

        return json;
    }

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "value",
    };

    private YamlScalarNode? Scalar(YamlMappingNode map, string key, string where, string expected)
    {
        var node = Find(map, key);
        if (node is null || IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            return scalar;
        }

        Error(node, $"'{key}' in {where} must be {expected}, not a {Describe(node)}");
        return null;
    }

    private static bool HasOffset(string dateTime) =>
        DateTime.TryParse(dateTime, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
        && parsed.Kind != DateTimeKind.Unspecified;

    private static JsonNode? PlainScalar(string value)
    {
        if (long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return JsonValue.Create(real);
        }

        return value.ToLowerInvariant() switch
        {
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ => JsonValue.Create(value),
        };
    }

    // "1e20d" is no duration: TimeSpan would overflow rather than say so.
    private static TimeSpan? Seconds(double seconds) =>
        seconds < TimeSpan.MaxValue.TotalSeconds ? TimeSpan.FromSeconds(seconds) : null;

    private static TimeSpan? ParseDuration(string text)
    {
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds >= 0 ? Seconds(seconds) : null;
        }

        if (text.Length > 1 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0)
        {
            double? unit = text[^1] switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400, _ => null };
            return unit is { } perUnit ? Seconds(amount * perUnit) : null;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero ? span : null;
    }
}
