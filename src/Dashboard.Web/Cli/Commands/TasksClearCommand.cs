using System.Text.RegularExpressions;
using Dashboard.Core.Operations.Clear;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Web.Cli.Commands;

/// <summary>
/// <c>tasks clear</c>, Airflow's flags: the task instances of the DAG's runs in a date range whose
/// task matches a pattern are previewed and, once confirmed, cleared by the same service as the
/// Clear dialog, which applies exactly the confirmed preview or nothing.
/// </summary>
internal sealed class TasksClearCommand : CliCommand
{
    public override string Group => "tasks";

    public override string Name => "clear";

    public override string Summary => "Clear task instances of a DAG so they run again; asks for confirmation unless --yes.";

    public override string? Description =>
        "Selects the task instances of the DAG's runs whose logical date is in [--start-date, --end-date] (every run when\n" +
        "both are left out) and whose task id matches --task-regex (every task when left out), shows them, and clears\n" +
        "them. Dates are YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], read in the DAG's time zone unless they carry an offset.";

    public override IReadOnlyList<CliOption> Options { get; } =
    [
        new("dag-id", "The DAG (may also be given alone, as Airflow's first argument).", "DAG_ID", Required: true),
        new("task-regex", "Only tasks whose id contains a match of this regular expression (use ^...$ for whole ids).", "REGEX", 't'),
        new("start-date", "Only runs whose logical date is on or after this.", "DATE", 's'),
        new("end-date", "Only runs whose logical date is on or before this.", "DATE", 'e'),
        new("only-failed", "Only failed and upstream_failed task instances.", ShortName: 'f'),
        new("upstream", "Also the tasks upstream of the matching ones.", ShortName: 'u'),
        new("downstream", "Also the tasks downstream of the matching ones.", ShortName: 'd'),
        new("restart-running", "Restart running task instances; without it, a selection holding one is refused."),
        new("keep-version", "Keep each run on the DAG version it has; without it, the runs move to the DAG's current version (the file as it is now)."),
        new("yes", "Clear without asking for confirmation (needed when stdin is not a terminal).", ShortName: 'y'),
        new("dry-run", "Only show what would be cleared."),
    ];

    public override string? PositionalOption => "dag-id";

    public override CliInvocation Bind(CliArguments arguments)
    {
        var input = new Input(
            arguments.Required("dag-id"),
            arguments.Regex("task-regex"),
            arguments.Date("start-date"),
            arguments.Date("end-date"),
            new ClearOptions(new Relatives(Upstream: arguments.Flag("upstream"), Downstream: arguments.Flag("downstream")),
                OnlyFailed: arguments.Flag("only-failed"), DisturbRunning: arguments.Flag("restart-running"), KeepVersions: arguments.Flag("keep-version")),
            arguments.Flag("yes"),
            arguments.Flag("dry-run"));
        if (input is { Yes: true, DryRun: true })
        {
            throw new CliUsageException("--yes and --dry-run cannot be given together");
        }

        return (run, ct) => RunAsync(input, run, ct);
    }

    private static async Task<int> RunAsync(Input input, CliRun run, CancellationToken ct)
    {
        var zone = await DagTimeZone.FindAsync(run.Services, input.DagId, ct);
        if (zone is null)
        {
            await run.Error.WriteLineAsync($"There is no DAG '{input.DagId}'.");
            return ExitCodes.Refused;
        }

        var targets = await TargetsAsync(run.Services, input, zone, ct);
        if (targets.Count == 0)
        {
            await run.Out.WriteLineAsync($"Nothing to clear: no task instance of DAG '{input.DagId}' matches.");
            return ExitCodes.Success;
        }

        var service = run.Services.GetRequiredService<ClearService>();
        var request = new ClearRequest(input.DagId, targets, input.Options, run.Actor, RequestId: Guid.NewGuid());
        var preview = await service.PreviewAsync(request, ct);
        if (preview.TaskInstances.Count == 0)
        {
            await run.Out.WriteLineAsync(preview.Blocker);
            return ExitCodes.Success;
        }

        await WritePreviewAsync(run.Out, preview);
        if (preview.Blocker is { } blocker)
        {
            // The service words it for the dialog's toggle; here the switch is a flag.
            await run.Error.WriteLineAsync(blocker);
            await run.Error.WriteLineAsync("Pass --restart-running to restart them.");
            return ExitCodes.Refused;
        }

        if (input.DryRun)
        {
            return ExitCodes.Success;
        }

        if (!input.Yes && !run.Console.InputIsInteractive)
        {
            // Nobody can answer the question, and reading end-of-input as "no" would hide that from the script.
            await run.Error.WriteLineAsync(
                "error: nothing was cleared: stdin is not a terminal, so nobody can confirm. Pass --yes to clear without asking, or --dry-run to only look.");
            return ExitCodes.Usage;
        }

        if (!input.Yes && !await ConfirmAsync(run.Console, preview.TaskInstances.Count))
        {
            await run.Out.WriteLineAsync("Cancelled: nothing was cleared.");
            return ExitCodes.Success;
        }

        var result = await service.ExecuteAsync(request, confirmed: preview, ct);
        await run.Out.WriteLineAsync(
            $"Cleared {CliText.Count(result.TaskInstances, "task instance")}" +
            (result.Restarted > 0 ? $" ({result.Restarted} running, restarted)" : "") +
            $"; {CliText.Count(result.RunsRequeued, "run")} back in the queue.");
        return ExitCodes.Success;
    }

    /// <summary>One target per (run, task) that has a task instance: the pairs in the date range whose task matches.</summary>
    private static async Task<List<TaskTarget>> TargetsAsync(IServiceProvider services, Input input, TimeZoneInfo zone, CancellationToken ct)
    {
        var (start, end) = (input.Start?.In(zone), input.End?.In(zone));
        await using var db = await services.GetRequiredService<IDbContextFactory<DashboardDbContext>>().CreateDbContextAsync(ct);
        var pairs = await db.TaskInstances.AsNoTracking()
            .Where(t => t.DagId == input.DagId)
            .Join(db.DagRuns, t => t.DagRunId, r => r.Id, (t, r) => new { r.RunId, r.LogicalDate, t.TaskId })
            .Where(p => (start == null || p.LogicalDate >= start) && (end == null || p.LogicalDate <= end))
            .Select(p => new { p.RunId, p.TaskId })
            .ToListAsync(ct);
        return [.. pairs.Where(p => input.TaskPattern?.IsMatch(p.TaskId) ?? true).Select(p => TaskTarget.Task(p.RunId, p.TaskId))];
    }

    private static async Task WritePreviewAsync(TextWriter writer, ClearPreview preview)
    {
        var table = new TextTable("RUN", "TASK", "STATE");
        foreach (var ti in preview.TaskInstances)
        {
            table.Add(ti.RunId, ti.TaskId, CliText.State(ti.State));
        }

        table.WriteTo(writer);
        await CliText.WriteVersionsAsync(writer, preview.Versions);
        var running = preview.Running.Count;
        await writer.WriteLineAsync(
            $"{CliText.Count(preview.TaskInstances.Count, "task instance")} to clear" +
            (running > 0 && preview.DisturbRunning ? $", {running} of them running (restarted)." : "."));
    }

    /// <summary>Airflow's prompt: only "y" or "yes" clears.</summary>
    private static async Task<bool> ConfirmAsync(CliConsole console, int count)
    {
        await console.Out.WriteAsync($"Clear {CliText.Count(count, "task instance")}? [y/N] ");
        await console.Out.FlushAsync();
        var answer = (await console.In.ReadLineAsync())?.Trim();
        return string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) || string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase);
    }

    private sealed record Input(string DagId, Regex? TaskPattern, CliDate? Start, CliDate? End, ClearOptions Options, bool Yes, bool DryRun);
}
