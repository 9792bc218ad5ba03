using System.CommandLine;
using Dashboard.Core.Persistence;
using Dashboard.Core.Queries;

namespace Dashboard.Web.Cli.Commands;

/// <summary><c>backfill list</c>: the Backfills page as a table, newest first.</summary>
internal sealed class BackfillListCommand : CliCommand
{
    private readonly Option<string> _dagId = new("--dag-id") { Description = "Only this DAG's backfills.", HelpName = "DAG_ID" };

    public BackfillListCommand()
        : base("list", "List backfills, newest first (the latest 500).") =>
        Options.Add(_dagId);

    public override CliInvocation Bind(ParseResult result)
    {
        var dagId = result.GetValue(_dagId);
        return (run, ct) => RunAsync(dagId, run, ct);
    }

    private static async Task<int> RunAsync(string? dagId, CliRun run, CancellationToken ct)
    {
        var backfills = await run.Services.GetRequiredService<BackfillListQuery>().ListAsync(dagId, ct: ct);
        if (backfills.Count == 0)
        {
            await run.Out.WriteLineAsync(dagId is null ? "No backfills." : $"No backfills of DAG '{dagId}'.");
            return ExitCodes.Success;
        }

        var table = new TextTable("ID", "DAG", "FROM", "TO", "REPROCESS", "MAX ACTIVE", "STATUS", "DONE", "CREATED BY", "CREATED (UTC)");
        foreach (var b in backfills)
        {
            table.Add(Number(b.Id), b.DagId, CliText.Date(b.FromDate), CliText.Date(b.ToDate),
                b.Reprocess.ToSnakeCase(), Number(b.MaxActiveRuns), b.Status, $"{Number(b.Succeeded + b.Failed)}/{Number(b.Runs)}",
                b.CreatedBy, CliText.Time(b.CreatedAt));
        }

        table.WriteTo(run.Out);
        return ExitCodes.Success;
    }

    private static string Number(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
