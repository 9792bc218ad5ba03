using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json.Nodes;
using Dashboard.Core.Connections;

namespace Dashboard.Web.Cli.Commands;

/// <summary>
/// <c>connections add</c>, Airflow's flags: a new connection from a URI, from Airflow's JSON form or
/// from one option per field. An existing id is refused, as in Airflow: delete it first, or import a
/// file to replace it.
/// </summary>
internal sealed class ConnectionsAddCommand : CliCommand
{
    private readonly Argument<string> _connId = new("CONN_ID") { Description = "The connection's id: letters, digits and '_'." };

    private readonly Option<ConnectionFields> _uri = new("--conn-uri")
    {
        Description = "The connection as a URI: TYPE://LOGIN:PASSWORD@HOST:PORT/SCHEMA?EXTRA_KEY=VALUE, each part percent-encoded.",
        HelpName = "URI",
        CustomParser = CliParsers.ConnectionUri,
    };

    private readonly Option<ConnectionFields> _json = new("--conn-json")
    {
        Description = "The connection as a JSON object: {\"conn_type\": ..., \"host\": ..., \"port\": ..., \"login\": ..., \"password\": ..., \"schema\": ..., \"extra\": {...}}.",
        HelpName = "JSON",
        CustomParser = CliParsers.ConnectionJson,
    };

    private readonly Option<string> _type = new("--conn-type") { Description = "The connection's type (postgres, http, generic, ...), without --conn-uri or --conn-json.", HelpName = "TYPE" };

    private readonly Option<string> _host = new("--conn-host") { Description = "The host.", HelpName = "HOST" };

    private readonly Option<int?> _port = new("--conn-port")
    {
        Description = "The port.", HelpName = "PORT", CustomParser = result => CliParsers.WholeNumber(result),
    };

    private readonly Option<string> _schema = new("--conn-schema") { Description = "The schema (for a database, its name).", HelpName = "SCHEMA" };

    private readonly Option<string> _login = new("--conn-login") { Description = "The login.", HelpName = "LOGIN" };

    private readonly Option<string> _password = new("--conn-password")
    {
        Description = "The password (stored encrypted; other users of this machine may see a command line while it runs).", HelpName = "PASSWORD",
    };

    private readonly Option<string> _extra = new("--conn-extra")
    {
        Description = "The extra, a JSON object such as {\"sslmode\": \"require\"}; with --conn-uri it replaces the URI's.", HelpName = "JSON",
        CustomParser = CliParsers.ConnectionExtra,
    };

    private readonly Option<string> _description = new("--conn-description") { Description = "What the connection is for.", HelpName = "TEXT" };

    public ConnectionsAddCommand()
        : base("add", "Add a connection; an existing id is refused (delete it first).")
    {
        Arguments.Add(_connId);
        foreach (var option in new Option[] { _uri, _json, _type, _host, _port, _schema, _login, _password, _extra, _description })
        {
            Options.Add(option);
        }

        Validators.Add(Check);
    }

    public override string Details =>
        "Give the connection as --conn-uri, as --conn-json, or as --conn-type with the other --conn-* options. The password\n" +
        "and the extra are stored encrypted; the password and the extra's secret fields are printed only by\n" +
        "'connections get --show-secrets'.";

    public override bool TakesSecrets => true;

    /// <summary>The separate field options, which a URI or a JSON connection already holds.</summary>
    private Option[] FieldOptions => [_type, _host, _port, _schema, _login, _password];

    public override CliInvocation Bind(ParseResult result)
    {
        var connId = result.GetRequiredValue(_connId);
        var extra = result.GetValue(_extra);
        var description = result.GetValue(_description);
        var fields = (result.GetValue(_uri) ?? result.GetValue(_json)) is { } given
            ? given with { Extra = extra ?? given.Extra, Description = description ?? given.Description }
            : new ConnectionFields(result.GetRequiredValue(_type), result.GetValue(_host), result.GetValue(_port), result.GetValue(_schema),
                result.GetValue(_login), result.GetValue(_password), extra, description);
        return (run, ct) => RunAsync(connId, fields, run, ct);
    }

    /// <summary>Airflow's rules between options: one way of giving the connection.</summary>
    private void Check(CommandResult result)
    {
        var (uri, json) = (result.GetResult(_uri) is not null, result.GetResult(_json) is not null);
        if (uri && json)
        {
            result.AddError("--conn-uri and --conn-json cannot be given together");
        }
        else if (uri || json)
        {
            var extra = json ? [_extra] : Array.Empty<Option>();
            var clashing = FieldOptions.Concat(extra).Where(o => result.GetResult(o) is not null).Select(o => o.Name).ToList();
            if (clashing.Count > 0)
            {
                result.AddError($"{string.Join(", ", clashing)} cannot be given with {(uri ? "--conn-uri" : "--conn-json")}, which holds the connection's fields");
            }
        }
        else if (result.GetResult(_type) is null)
        {
            result.AddError("the connection is missing: give --conn-uri, --conn-json, or --conn-type with the other --conn-* options");
        }
    }

    private static async Task<int> RunAsync(string connId, ConnectionFields fields, CliRun run, CancellationToken ct)
    {
        var service = run.Services.GetRequiredService<ConnectionService>();

        // The service refuses an existing id too, race-free; this says it in Airflow's words first.
        var stored = await service.ListAsync(connId, ct);
        if (stored.Any(c => c.ConnId == connId && c.Source == ConfigSource.Database))
        {
            await run.Error.WriteLineAsync(
                $"A connection with `conn_id`={connId} already exists. Delete it first (connections delete {connId}), or import a file to replace it.");
            return ExitCodes.Refused;
        }

        await service.SaveAsync(run.Actor, new ConnectionEdit(connId, fields, SecretChange.Set(fields.Password), SaveMode.Create), ct: ct);
        await run.Out.WriteLineAsync($"Successfully added `conn_id`={connId}");
        var table = new TextTable("CONN_ID", "CONN_TYPE", "HOST", "LOGIN", "PORT", "EXTRA");
        table.Add(connId, fields.ConnType, fields.Host, fields.Login, fields.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture), RedactedExtra(fields.Extra));
        table.WriteTo(run.Out);
        await ConnectionsText.WarnIfOverriddenAsync(run, connId);
        return ExitCodes.Success;
    }

    private static string? RedactedExtra(string? extra) =>
        string.IsNullOrWhiteSpace(extra) ? null : SensitiveNames.Redact((JsonObject)JsonNode.Parse(extra)!).ToJsonString();
}
