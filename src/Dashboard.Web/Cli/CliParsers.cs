using System.CommandLine.Parsing;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dashboard.Core.Connections;
using Dashboard.Core.Persistence;

namespace Dashboard.Web.Cli;

/// <summary>
/// How option values are read (an option's <c>CustomParser</c>): a malformed value is a parse error
/// that names the option, what it expects and what it got, so the command never runs with it.
/// </summary>
internal static class CliParsers
{
    /// <summary>A regular expression is user input: one match may take this long before it is given up.</summary>
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    public static CliDate? Date(ArgumentResult result) => CliDate.TryParse(Text(result), out var date)
        ? date
        : Malformed<CliDate>(result, "a date such as 2024-01-31 or 2024-01-31T06:00:00Z");

    public static int WholeNumber(ArgumentResult result) =>
        int.TryParse(Text(result), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : Malformed<int>(result, "a whole number");

    public static int PositiveWholeNumber(ArgumentResult result) =>
        int.TryParse(Text(result), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : Malformed<int>(result, "a positive whole number");

    /// <summary>Airflow's spelling of the enum's values: <c>upstream_failed</c> for <c>UpstreamFailed</c>.</summary>
    public static TEnum? SnakeCaseEnum<TEnum>(ArgumentResult result) where TEnum : struct, Enum =>
        SnakeCase.TryParseSnakeCase<TEnum>(Text(result), out var value)
            ? value
            : Malformed<TEnum?>(result, $"one of {string.Join(", ", SnakeCase.NamesOf<TEnum>())}");

    /// <summary>A regular expression, searched for (not anchored), as Airflow's <c>--task-regex</c>.</summary>
    public static Regex? Regex(ArgumentResult result) => TryCreateRegex(Text(result), out var regex, out var problem)
        ? regex
        : Malformed<Regex>(result, $"a regular expression ({problem})");

    /// <summary>
    /// JSON text that is an object, checked for syntax only: whether it suits the DAG's params is a
    /// domain rule the service checks.
    /// </summary>
    public static string? JsonObject(ArgumentResult result)
    {
        var text = Text(result);
        try
        {
            return JsonNode.Parse(text) is JsonObject ? text : Malformed<string>(result, "a JSON object such as {\"city\": \"nyc\"}");
        }
        catch (JsonException e)
        {
            return Malformed<string>(result, $"a JSON object ({e.Message})");
        }
    }

    /// <summary>A connection URI (Airflow's format); an error never quotes it, since it may hold a password.</summary>
    public static ConnectionFields? ConnectionUri(ArgumentResult result)
    {
        try
        {
            return Core.Connections.ConnectionUri.Parse(Text(result));
        }
        catch (FormatException e)
        {
            return MalformedSecret<ConnectionFields>(result, $"a connection URI: {e.Message}");
        }
    }

    /// <summary>A connection in Airflow's JSON form; an error never quotes it, since it may hold a password.</summary>
    public static ConnectionFields? ConnectionJson(ArgumentResult result)
    {
        try
        {
            return EnvironmentOverrides.FromJson(Text(result));
        }
        catch (JsonException e)
        {
            return MalformedSecret<ConnectionFields>(result,
                $"a connection as a JSON object, such as {{\"conn_type\": \"postgres\", \"host\": \"db\"}} (not valid JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1})");
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            return MalformedSecret<ConnectionFields>(result, $"a connection as a JSON object, such as {{\"conn_type\": \"postgres\", \"host\": \"db\"}}: {e.Message}");
        }
    }

    /// <summary>A connection's extra, a JSON object; an error never quotes it, since it may hold secrets.</summary>
    public static string? ConnectionExtra(ArgumentResult result)
    {
        var text = Text(result);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return ConnectionRules.ExtraProblem(text) is { } problem ? MalformedSecret<string>(result, $"a JSON object: {char.ToLowerInvariant(problem[0])}{problem[1..]}") : text;
    }

    /// <summary>
    /// A searched-for regular expression with a match timeout, or why the text is none. A match that
    /// times out throws <see cref="RegexMatchTimeoutException"/>, which the command line reports as bad input.
    /// </summary>
    public static bool TryCreateRegex(string text, [NotNullWhen(true)] out Regex? regex, [NotNullWhen(false)] out string? problem)
    {
        try
        {
            (regex, problem) = (new Regex(text, RegexOptions.CultureInvariant, MatchTimeout), null);
            return true;
        }
        catch (ArgumentException e)
        {
            (regex, problem) = (null, e.Message);
            return false;
        }
    }

    /// <summary>An option's value or an argument: the parser runs only once the arity check has seen exactly one token.</summary>
    private static string Text(ArgumentResult result) => result.Tokens[0].Value;

    /// <summary>As <see cref="Malformed{T}"/>, without the value: it may be a secret, and errors end up in terminals and CI logs.</summary>
    private static T? MalformedSecret<T>(ArgumentResult result, string expected)
    {
        var name = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        result.AddError($"{name} must be {expected}");
        return default;
    }

    private static T? Malformed<T>(ArgumentResult result, string expected)
    {
        var name = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        result.AddError($"{name} must be {expected}, got '{Text(result)}'");
        return default;
    }
}
