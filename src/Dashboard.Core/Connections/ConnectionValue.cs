using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dashboard.Core.Connections;

/// <summary>Where a connection or variable a task sees comes from: the environment wins over the database.</summary>
public enum ConfigSource
{
    Database,
    Environment,
}

/// <summary>A connection with its secrets in the clear: what a try's templates read. Never shown to a person or logged.</summary>
public sealed record ConnectionValue(
    string ConnId,
    string ConnType,
    string? Host,
    int? Port,
    string? Schema,
    string? Login,
    string? Password,
    string? Extra,
    string? Description,
    ConfigSource Source)
{
    /// <summary>The extra as a JSON object; empty when there is none or it is not an object.</summary>
    public JsonObject ExtraJson()
    {
        if (string.IsNullOrWhiteSpace(Extra))
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(Extra) as JsonObject ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>Every value that must not appear in a log: the password, the extra, and the extra's sensitive fields.</summary>
    public IEnumerable<string> SecretValues()
    {
        if (Password is { Length: > 0 })
        {
            yield return Password;
        }

        if (Extra is { Length: > 0 } && Extra.Trim() is not "{}")
        {
            yield return Extra;
            foreach (var value in SensitiveNames.SensitiveStrings(ExtraJson()))
            {
                yield return value;
            }
        }
    }
}

/// <summary>A variable's value in the clear, for a try's templates.</summary>
public sealed record VariableValue(string Key, string Value, bool IsSecret, ConfigSource Source);
