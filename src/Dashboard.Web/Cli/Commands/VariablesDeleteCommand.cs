using System.CommandLine;
using Dashboard.Core.Connections;

namespace Dashboard.Web.Cli.Commands;

/// <summary><c>variables delete</c>: removes a variable from the database (one the environment sets is removed there).</summary>
internal sealed class VariablesDeleteCommand : CliCommand
{
    private readonly Argument<string> _key = new("KEY") { Description = "The variable's key." };

    public VariablesDeleteCommand()
        : base("delete", "Delete a variable from the database.") =>
        Arguments.Add(_key);

    public override CliInvocation Bind(ParseResult result)
    {
        var key = result.GetRequiredValue(_key);
        return async (run, ct) =>
        {
            await run.Services.GetRequiredService<VariableService>().DeleteAsync(run.Actor, key, ct: ct);
            await run.Out.WriteLineAsync($"Variable {key} deleted");
            return ExitCodes.Success;
        };
    }
}
