using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Core.Connections;

namespace Dashboard.Scheduler.Execution;

/// <summary>What <c>{{ conn.… }}</c> and <c>{{ var.… }}</c> placeholders read, with Airflow's field names.</summary>
internal static class TemplateConfigValue
{
    private const string Fields = "host, port, schema, login, password, extra, extra_dejson.KEY, conn_type, description";

    /// <returns>The value, or a problem that names what is missing (never a secret).</returns>
    public static (string? Value, string? Problem) Read(string name, TryConfig config) => name.Split('.') switch
    {
        ["conn", var id, .. var path] when path.Length > 0 => config.Connections.TryGetValue(id, out var connection)
            ? ConnectionField(connection, path)
            : (null, $"unknown connection '{id}': add it under Admin → Connections, or set {EnvironmentOverrides.ConnectionVariable(id)}"),
        ["var", var kind, var key, .. var path] when kind is "value" or "json" => config.Variables.TryGetValue(key, out var variable)
            ? kind == "value"
                ? path.Length == 0 ? (variable.Value, null) : (null, $"{{{{ var.value.{key} }}}} takes no path; use var.json.{key}.{string.Join('.', path)}")
                : JsonPath(variable.Value, path, $"variable '{key}'")
            : (null, $"unknown variable '{key}': add it under Admin → Variables, or set {EnvironmentOverrides.VariableVariable(key)}"),
        _ => (null, $"'{name}' is not a connection or variable reference; write conn.ID.FIELD ({Fields}), var.value.KEY or var.json.KEY.PATH"),
    };

    private static (string?, string?) ConnectionField(ConnectionValue connection, string[] path) => path switch
    {
        ["host"] => (connection.Host ?? "", null),
        ["port"] => (connection.Port?.ToString(CultureInfo.InvariantCulture) ?? "", null),
        ["schema"] => (connection.Schema ?? "", null),
        ["login"] => (connection.Login ?? "", null),
        ["password"] => (connection.Password ?? "", null),
        ["extra"] => (connection.Extra ?? "", null),
        ["conn_type"] => (connection.ConnType, null),
        ["description"] => (connection.Description ?? "", null),
        ["extra_dejson", .. var keys] when keys.Length > 0 => JsonPath(connection.ExtraJson(), keys, $"the extra of connection '{connection.ConnId}'"),
        _ => (null, $"connection '{connection.ConnId}' has no field '{string.Join('.', path)}'; its fields are {Fields}"),
    };

    private static (string?, string?) JsonPath(string json, string[] path, string what)
    {
        try
        {
            return JsonPath(JsonNode.Parse(json), path, what);
        }
        catch (JsonException)
        {
            return (null, $"{what} is not JSON, so var.json cannot read it; use var.value");
        }
    }

    private static (string?, string?) JsonPath(JsonNode? node, string[] path, string what)
    {
        for (var depth = 0; depth < path.Length; depth++)
        {
            var step = path[depth];
            if (node is JsonObject obj && obj.TryGetPropertyValue(step, out var child))
            {
                node = child;
            }
            else if (node is JsonArray array && int.TryParse(step, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count)
            {
                node = array[i];
            }
            else
            {
                return (null, $"{what} has no '{string.Join('.', path[..(depth + 1)])}'");
            }
        }

        return (node switch
        {
            null => "",
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
            _ => node.ToJsonString(),
        }, null);
    }
}
