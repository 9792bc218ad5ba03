using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Core.Queries;

namespace Dashboard.Web.Cli.Commands;

/// <summary><c>backfill list</c>: the Backfills page as a table, newest first.</summary>
internal sealed class BackfillListCommand : CliCommand
{
    public override string Group => "backfill";

    public override string Name => "list";

    public override string Summary => "List backfills, newest first (the latest 500).";

    public override IReadOnlyList<CliOption> Options { get; } =
    [
        new("dag-id", "Only this DAG's backfills.", "DAG_ID"),
    ];

    public override CliInvocation Bind(CliArguments arguments)
    {
        var dagId = arguments.Text("dag-id");
        return (run, ct) => RunAsync(dagId, run, ct);
    }

    private static async Task<int> RunAsync(string? dagId, CliRun run, CancellationToken ct)
    {
        var backfills = await run.Services.GetRequiredService<BackfillListQuery>().ListAsync(dagId, ct);
        if (backfills.Count == 0)
        {
            await run.Out.WriteLineAsync(dagId is null ? "No backfills." : $"No backfills of DAG '{dagId}'.");
            return ExitCodes.Success;
        }

        var table = new TextTable("ID", "DAG", "FROM", "TO", "REPROCESS", "MAX ACTIVE", "STATUS", "CREATED BY", "CREATED (UTC)");
        foreach (var b in backfills)
        {
            table.Add(b.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), b.DagId, CliText.Date(b.FromDate), CliText.Date(b.ToDate),
                b.ReprocessBehavior.ToSnakeCase(), b.MaxActiveRuns.ToString(System.Globalization.CultureInfo.InvariantCulture), Status(b),
                b.TriggeringUserName, CliText.Time(b.CreatedAt));
        }

        table.WriteTo(run.Out);
        return ExitCodes.Success;
    }

    private static string Status(Backfill backfill) =>
        backfill.CompletedAt is not null ? "complete" : backfill.IsPaused ? "paused" : "active";
}
