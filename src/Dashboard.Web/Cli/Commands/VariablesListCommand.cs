using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Dashboard.Core.Connections;

namespace Dashboard.Web.Cli.Commands;

/// <summary><c>variables list</c>: the database's variables and the environment's, by key, secret values as <c>***</c>.</summary>
internal sealed class VariablesListCommand : CliCommand
{
    private readonly Option<OutputFormat?> _output = CliOutput.CreateOption();

    public VariablesListCommand()
        : base("list", "List variables, by key: the database's and the environment's, secret values as ***.") =>
        Options.Add(_output);

    public override CliInvocation Bind(ParseResult result)
    {
        var output = result.GetValue(_output) ?? OutputFormat.Table;
        return (run, ct) => RunAsync(output, run, ct);
    }

    private static async Task<int> RunAsync(OutputFormat output, CliRun run, CancellationToken ct)
    {
        var variables = await run.Services.GetRequiredService<VariableService>().ListAsync(null, ct);
        if (output == OutputFormat.Json)
        {
            await CliOutput.WriteJsonAsync(run.Out, new JsonArray([.. variables.Select(Json)]));
            return ExitCodes.Success;
        }

        if (variables.Count == 0)
        {
            await run.Out.WriteLineAsync("No variables.");
            return ExitCodes.Success;
        }

        var table = new TextTable("KEY", "VALUE", "SOURCE", "DESCRIPTION");
        foreach (var v in variables)
        {
            table.Add(v.Key, CliOutput.Cell(Value(v)), Source(v), CliOutput.Cell(v.Description));
        }

        table.WriteTo(run.Out);
        return ExitCodes.Success;
    }

    private static string? Value(VariableSummary v) => v.IsSecret ? SecretMasker.Mask : v.Value;

    private static string Source(VariableSummary v) => ConnectionsText.Source(v.Source, v.OverriddenByEnvironment, EnvironmentOverrides.VariableVariable(v.Key));

    private static JsonObject Json(VariableSummary v) => new()
    {
        ["key"] = v.Key,
        ["value"] = Value(v),
        ["is_secret"] = v.IsSecret,
        ["description"] = v.Description,
        ["source"] = Source(v),
        ["updated_at"] = v.UpdatedAt?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
    };
}
