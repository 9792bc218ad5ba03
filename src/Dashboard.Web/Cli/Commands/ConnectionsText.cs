using System.Globalization;
using System.Text.Json.Nodes;
using Dashboard.Core.Connections;

namespace Dashboard.Web.Cli.Commands;

/// <summary>How the connection and variable commands print what they show, the same in every command.</summary>
internal static class ConnectionsText
{
    public static string? Port(int? port) => port?.ToString(CultureInfo.InvariantCulture);

    /// <summary>Where tasks get it from: "database", "environment", or the database's row that the environment hides.</summary>
    public static string Source(ConfigSource source, bool overridden, string environmentVariable) => (source, overridden) switch
    {
        (ConfigSource.Environment, _) => $"environment ({environmentVariable})",
        (_, true) => $"database (tasks use {environmentVariable})",
        _ => "database",
    };

    public static string? Password(bool hasPassword) => hasPassword ? SecretMasker.Mask : null;

    /// <summary>A connection without its secrets: no password (<c>***</c> when it has one), the extra's sensitive fields as <c>***</c>.</summary>
    public static JsonObject Json(ConnectionSummary c) => new()
    {
        ["conn_id"] = c.ConnId,
        ["conn_type"] = c.ConnType,
        ["description"] = c.Description,
        ["host"] = c.Host,
        ["port"] = c.Port,
        ["schema"] = c.Schema,
        ["login"] = c.Login,
        ["password"] = Password(c.HasPassword),
        ["extra"] = c.RedactedExtra,
        ["source"] = Source(c.Source, c.OverriddenByEnvironment, EnvironmentOverrides.ConnectionVariable(c.ConnId)),
        ["updated_at"] = c.UpdatedAt?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    };

    /// <summary>A warning when a DASHBOARD_CONN_ variable hides the connection just stored from the tasks.</summary>
    public static async Task WarnIfOverriddenAsync(CliRun run, string connId)
    {
        if (run.Services.GetRequiredService<EnvironmentOverrides>().ConnectionIds().Contains(connId, StringComparer.OrdinalIgnoreCase))
        {
            await run.Error.WriteLineAsync(
                $"warning: the environment variable {EnvironmentOverrides.ConnectionVariable(connId)} is set, so tasks use it instead of this connection.");
        }
    }

    /// <summary>A warning when a DASHBOARD_VAR_ variable hides the variable just stored from the tasks.</summary>
    public static async Task WarnIfVariableOverriddenAsync(CliRun run, string key)
    {
        if (run.Services.GetRequiredService<EnvironmentOverrides>().VariableKeys().Contains(key, StringComparer.OrdinalIgnoreCase))
        {
            await run.Error.WriteLineAsync(
                $"warning: the environment variable {EnvironmentOverrides.VariableVariable(key)} is set, so tasks read it instead of this variable.");
        }
    }
}
