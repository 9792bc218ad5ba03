using System.CommandLine;
using System.Text.Json.Nodes;
using Dashboard.Core.Connections;

namespace Dashboard.Web.Cli.Commands;

/// <summary><c>connections list</c>: the database's connections and the environment's, by id, without secrets.</summary>
internal sealed class ConnectionsListCommand : CliCommand
{
    private readonly Option<OutputFormat?> _output = CliOutput.CreateOption();

    public ConnectionsListCommand()
        : base("list", "List connections, by id: the database's and the environment's, passwords as ***.") =>
        Options.Add(_output);

    public override CliInvocation Bind(ParseResult result)
    {
        var output = result.GetValue(_output) ?? OutputFormat.Table;
        return (run, ct) => RunAsync(output, run, ct);
    }

    private static async Task<int> RunAsync(OutputFormat output, CliRun run, CancellationToken ct)
    {
        var connections = await run.Services.GetRequiredService<ConnectionService>().ListAsync(null, ct);
        if (output == OutputFormat.Json)
        {
            await CliOutput.WriteJsonAsync(run.Out, new JsonArray([.. connections.Select(ConnectionsText.Json)]));
            return ExitCodes.Success;
        }

        if (connections.Count == 0)
        {
            await run.Out.WriteLineAsync("No connections.");
            return ExitCodes.Success;
        }

        var table = new TextTable("CONN_ID", "CONN_TYPE", "HOST", "PORT", "SCHEMA", "LOGIN", "PASSWORD", "SOURCE", "DESCRIPTION");
        foreach (var c in connections)
        {
            table.Add(c.ConnId, c.ConnType, c.Host, ConnectionsText.Port(c.Port), c.Schema, c.Login, ConnectionsText.Password(c.HasPassword),
                ConnectionsText.Source(c.Source, c.OverriddenByEnvironment, EnvironmentOverrides.ConnectionVariable(c.ConnId)), CliOutput.Cell(c.Description));
        }

        table.WriteTo(run.Out);
        return ExitCodes.Success;
    }
}
