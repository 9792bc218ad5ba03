using System.CommandLine;
using System.Text.Json.Nodes;
using Dashboard.Core.Connections;
using Dashboard.Core.Operations;

namespace Dashboard.Web.Cli.Commands;

/// <summary>
/// <c>connections get</c>: one connection as tasks see it (the environment's when set). Airflow prints
/// the password; here it is <c>***</c> unless <c>--show-secrets</c> asks for it, which needs the role
/// that manages connections, so a secret reaches the screen only when someone asked for it by name.
/// </summary>
internal sealed class ConnectionsGetCommand : CliCommand
{
    private readonly Argument<string> _connId = new("CONN_ID") { Description = "The connection's id." };

    private readonly Option<OutputFormat?> _output = CliOutput.CreateOption();

    private readonly Option<bool> _showSecrets = new("--show-secrets")
    {
        Description = "Print the password, the whole extra and the URI with its password (needs the Op role).",
    };

    public ConnectionsGetCommand()
        : base("get", "Show a connection; its password as *** unless --show-secrets.")
    {
        Arguments.Add(_connId);
        Options.Add(_output);
        Options.Add(_showSecrets);
    }

    public override CliInvocation Bind(ParseResult result)
    {
        var (connId, output, showSecrets) = (result.GetRequiredValue(_connId), result.GetValue(_output) ?? OutputFormat.Table, result.GetValue(_showSecrets));
        return (run, ct) => RunAsync(connId, output, showSecrets, run, ct);
    }

    private static async Task<int> RunAsync(string connId, OutputFormat output, bool showSecrets, CliRun run, CancellationToken ct)
    {
        var service = run.Services.GetRequiredService<ConnectionService>();
        var summary = await service.GetAsync(connId, ct) ?? throw new OperationRefusedException($"There is no connection '{connId}'.");
        var json = ConnectionsText.Json(summary);
        if (showSecrets)
        {
            var value = await service.GetWithSecretsAsync(run.Actor, connId, ct) ?? throw new OperationRefusedException($"There is no connection '{connId}'.");
            json["password"] = value.Password;
            json["extra"] = value.Extra;
            json["uri"] = ConnectionUri.Format(
                new ConnectionFields(value.ConnType, value.Host, value.Port, value.Schema, value.Login, value.Password, value.Extra), includePassword: true);
        }

        if (output == OutputFormat.Json)
        {
            await CliOutput.WriteJsonAsync(run.Out, json);
            return ExitCodes.Success;
        }

        var table = new TextTable("FIELD", "VALUE");
        foreach (var (name, value) in json)
        {
            table.Add(name, value is JsonValue v ? v.ToString() : value?.ToJsonString());
        }

        table.WriteTo(run.Out);
        return ExitCodes.Success;
    }
}
