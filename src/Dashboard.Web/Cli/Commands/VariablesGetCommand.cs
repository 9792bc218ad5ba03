using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Core.Connections;
using Dashboard.Core.Operations;

namespace Dashboard.Web.Cli.Commands;

/// <summary><c>variables get</c>: a variable's value as tasks read it (the environment's when set), alone on stdout for a script.</summary>
internal sealed class VariablesGetCommand : CliCommand
{
    private readonly Argument<string> _key = new("KEY") { Description = "The variable's key." };

    private readonly Option<string> _default = new("--default", "-d")
    {
        Description = "Print this when there is no such variable, instead of failing.", HelpName = "VALUE",
    };

    private readonly Option<bool> _json = new("--json", "-j", "--deserialize-json")
    {
        Description = "Read the value as JSON and print it indented (the default, when used, is printed as it is).",
    };

    public VariablesGetCommand()
        : base("get", "Print a variable's value (a secret one too: the command line has the Admin role).")
    {
        Arguments.Add(_key);
        Options.Add(_default);
        Options.Add(_json);
    }

    public override CliInvocation Bind(ParseResult result)
    {
        var (key, fallback, json) = (result.GetRequiredValue(_key), result.GetResult(_default) is null ? null : result.GetValue(_default) ?? "", result.GetValue(_json));
        return (run, ct) => RunAsync(key, fallback, json, run, ct);
    }

    private static async Task<int> RunAsync(string key, string? fallback, bool json, CliRun run, CancellationToken ct)
    {
        var value = await run.Services.GetRequiredService<VariableService>().GetValueAsync(run.Actor, key, ct);
        if (value is null)
        {
            await run.Out.WriteLineAsync(fallback ?? throw new OperationRefusedException($"Variable {key} does not exist"));
            return ExitCodes.Success;
        }

        if (!json)
        {
            await run.Out.WriteLineAsync(value);
            return ExitCodes.Success;
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(value);
        }
        catch (JsonException e)
        {
            // The value may be a secret: the message says where the JSON breaks, never what it holds.
            throw new OperationRefusedException(
                $"Variable {key} is not JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}); leave out --json to print it as it is.");
        }

        await run.Out.WriteLineAsync(node is null ? "null" : CliOutput.Json(node));
        return ExitCodes.Success;
    }
}
