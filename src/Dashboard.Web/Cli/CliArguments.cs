using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dashboard.Core.Persistence;

namespace Dashboard.Web.Cli;

/// <summary>The options given to one command, read into typed values; a malformed value is a usage error naming its option.</summary>
internal sealed class CliArguments(IReadOnlyDictionary<string, string?> values)
{
    public bool Flag(string name) => values.ContainsKey(name);

    public string? Text(string name) => values.GetValueOrDefault(name);

    /// <summary>A value the parser has already checked is present (a required option).</summary>
    public string Required(string name) => Text(name) ?? throw new CliUsageException($"--{name} is required");

    public int? Int(string name) => Text(name) is not { } text ? null
        : int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value
        : throw Malformed(name, text, "a whole number");

    /// <summary>Airflow's spelling of the enum's values: <c>upstream_failed</c> for <c>UpstreamFailed</c>.</summary>
    public TEnum? Enum<TEnum>(string name) where TEnum : struct, Enum => Text(name) is not { } text ? null
        : SnakeCase.TryParseSnakeCase<TEnum>(text, out var value) ? value
        : throw Malformed(name, text, $"one of {string.Join(", ", SnakeCase.NamesOf<TEnum>())}");

    public CliDate? Date(string name) => Text(name) is not { } text ? null
        : CliDate.TryParse(text, out var date) ? date
        : throw Malformed(name, text, "a date such as 2024-01-31 or 2024-01-31T06:00:00Z");

    /// <summary>A regular expression, searched for (not anchored), as Airflow's <c>--task-regex</c>.</summary>
    public Regex? Regex(string name)
    {
        if (Text(name) is not { } text)
        {
            return null;
        }

        try
        {
            return new Regex(text, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw Malformed(name, text, $"a regular expression ({e.Message})");
        }
    }

    /// <summary>
    /// JSON text that is an object, checked for syntax only: whether it suits the DAG's params is a
    /// domain rule the service checks.
    /// </summary>
    public string? JsonObject(string name)
    {
        if (Text(name) is not { } text)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text) is JsonObject ? text : throw Malformed(name, text, "a JSON object such as {\"city\": \"nyc\"}");
        }
        catch (JsonException e)
        {
            throw Malformed(name, text, $"a JSON object ({e.Message})");
        }
    }

    private static CliUsageException Malformed(string name, string text, string expected) =>
        new($"--{name} must be {expected}, got '{text}'");
}
