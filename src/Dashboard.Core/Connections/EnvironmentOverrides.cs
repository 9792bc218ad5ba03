using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dashboard.Core.Connections;

/// <summary>
/// Connections and variables set in the environment, which win over the database (Airflow's
/// environment-variables secrets backend): <c>DASHBOARD_CONN_ID</c> holds a connection URI
/// (<see cref="ConnectionUri"/>) or Airflow's JSON form, <c>DASHBOARD_VAR_KEY</c> a variable's value.
/// The name is the id or key in upper case; they are read when asked for, so a changed environment
/// takes effect at the app's next start without a stale copy anywhere.
/// </summary>
public sealed class EnvironmentOverrides(Func<string, string?> read, Func<IEnumerable<string>> names)
{
    public const string ConnectionPrefix = "DASHBOARD_CONN_";
    public const string VariablePrefix = "DASHBOARD_VAR_";

    public static readonly EnvironmentOverrides Process = new(
        Environment.GetEnvironmentVariable,
        () => Environment.GetEnvironmentVariables().Keys.Cast<object>().Select(k => k.ToString() ?? ""));

    public static EnvironmentOverrides FromDictionary(IReadOnlyDictionary<string, string> variables) =>
        new(name => variables.GetValueOrDefault(name), () => variables.Keys);

    public static string ConnectionVariable(string connId) => ConnectionPrefix + connId.ToUpperInvariant();

    public static string VariableVariable(string key) => VariablePrefix + key.ToUpperInvariant();

    /// <exception cref="ConfigProblemException">The variable is set but is no connection; the message names it, never its value.</exception>
    public ConnectionValue? Connection(string connId)
    {
        var name = ConnectionVariable(connId);
        if (read(name) is not { Length: > 0 } text)
        {
            return null;
        }

        try
        {
            var fields = text.TrimStart().StartsWith('{') ? FromJson(text) : ConnectionUri.Parse(text);
            if (ConnectionRules.Problem(fields) is { } problem)
            {
                throw new FormatException(problem);
            }

            return new ConnectionValue(connId, fields.ConnType, fields.Host, fields.Port, fields.Schema, fields.Login,
                fields.Password, fields.Extra, fields.Description, ConfigSource.Environment);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            throw new ConfigProblemException($"The environment variable {name} is not a connection: {e.Message.TrimEnd('.')}.");
        }
    }

    public VariableValue? Variable(string key) =>
        read(VariableVariable(key)) is { } value
            ? new VariableValue(key, value, SensitiveNames.IsSensitive(key), ConfigSource.Environment)
            : null;

    /// <summary>The ids the environment defines, in lower case (how Airflow names them).</summary>
    public IReadOnlyList<string> ConnectionIds() => Suffixes(ConnectionPrefix);

    public IReadOnlyList<string> VariableKeys() => Suffixes(VariablePrefix);

    private IReadOnlyList<string> Suffixes(string prefix) =>
        names()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && ConnectionRules.IsValidId(n[prefix.Length..]))
            .Select(n => n[prefix.Length..].ToLowerInvariant())
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>Airflow's JSON form: <c>{"conn_type": "postgres", "host": "...", "port": 5432, "extra": {...}}</c>.</summary>
    /// <exception cref="FormatException">Not a connection; the message never quotes the text (it may hold a password).</exception>
    /// <exception cref="JsonException">Not JSON.</exception>
    public static ConnectionFields FromJson(string text)
    {
        var json = JsonNode.Parse(text) as JsonObject ?? throw new FormatException("its JSON must be an object");
        string? Text(string field) => json[field] is JsonValue v ? v.ToString() : null;
        var port = json["port"] switch
        {
            null => (int?)null,
            JsonValue v when v.TryGetValue<int>(out var n) => n,
            JsonValue v when int.TryParse(v.ToString(), out var n) => n,
            _ => throw new FormatException("its port must be a number"),
        };
        var extra = json["extra"] switch
        {
            null => null,
            JsonObject o => o.ToJsonString(),
            JsonValue v => v.ToString(),
            _ => throw new FormatException("its extra must be a JSON object"),
        };
        return new ConnectionFields(Text("conn_type") ?? throw new FormatException("its JSON has no conn_type"),
            Text("host"), port, Text("schema"), Text("login"), Text("password"), extra, Text("description"));
    }
}

/// <summary>A connection or variable exists but cannot be used as it is; the message says which and why, never a secret.</summary>
public sealed class ConfigProblemException(string message) : Operations.OperationRefusedException(message);
