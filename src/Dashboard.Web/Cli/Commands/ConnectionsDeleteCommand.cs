using System.CommandLine;
using Dashboard.Core.Connections;

namespace Dashboard.Web.Cli.Commands;

/// <summary><c>connections delete</c>: removes a connection from the database (one the environment sets is removed there).</summary>
internal sealed class ConnectionsDeleteCommand : CliCommand
{
    private readonly Argument<string> _connId = new("CONN_ID") { Description = "The connection's id." };

    public ConnectionsDeleteCommand()
        : base("delete", "Delete a connection from the database.") =>
        Arguments.Add(_connId);

    public override CliInvocation Bind(ParseResult result)
    {
        var connId = result.GetRequiredValue(_connId);
        return async (run, ct) =>
        {
            await run.Services.GetRequiredService<ConnectionService>().DeleteAsync(run.Actor, connId, ct: ct);
            await run.Out.WriteLineAsync($"Successfully deleted connection with `conn_id`={connId}");
            return ExitCodes.Success;
        };
    }
}
