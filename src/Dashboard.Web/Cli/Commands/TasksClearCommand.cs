using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Clear;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Operations.Versions;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Web.Cli.Commands;

/// <summary>
/// <c>tasks clear</c>, Airflow's flags: the task instances of the DAG's runs in a date range whose
/// task matches a pattern are previewed and, once confirmed, cleared by the same service as the
/// Clear dialog, which applies exactly the confirmed preview or nothing. With <c>--dag-regex</c> it
/// does so in every DAG whose id matches, with one preview per DAG and one confirmation for all.
/// </summary>
internal sealed class TasksClearCommand : CliCommand
{
    private readonly Argument<string> _dag = new("DAG_ID")
    {
        Description = "The DAG, as Airflow's first argument (or --dag-id); with --dag-regex, a regular expression.",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private readonly Option<string> _dagId = new("--dag-id") { Description = "The DAG, instead of the first argument.", HelpName = "DAG_ID" };

    private readonly Option<bool> _dagRegex = new("--dag-regex", "-R")
    {
        Description = "Read the DAG id as a regular expression and clear in every DAG whose id contains a match (use ^...$ for whole ids).",
    };

    private readonly Option<Regex> _taskRegex = new("--task-regex", "-t")
    {
        Description = "Only tasks whose id contains a match of this regular expression (use ^...$ for whole ids).",
        HelpName = "REGEX",
        CustomParser = CliParsers.Regex,
    };

    private readonly Option<CliDate> _start = new("--start-date", "-s")
    {
        Description = "Only runs whose logical date is on or after this.", HelpName = "DATE", CustomParser = CliParsers.Date,
    };

    private readonly Option<CliDate> _end = new("--end-date", "-e")
    {
        Description = "Only runs whose logical date is on or before this.", HelpName = "DATE", CustomParser = CliParsers.Date,
    };

    private readonly Option<bool> _onlyFailed = new("--only-failed", "-f") { Description = "Only failed and upstream_failed task instances." };

    private readonly Option<bool> _onlyRunning = new("--only-running", "-r")
    {
        Description = "Only running task instances, which are restarted (implies --restart-running).",
    };

    private readonly Option<bool> _upstream = new("--upstream", "-u") { Description = "Also the tasks upstream of the matching ones." };

    private readonly Option<bool> _downstream = new("--downstream", "-d") { Description = "Also the tasks downstream of the matching ones." };

    private readonly Option<bool> _restartRunning = new("--restart-running")
    {
        Description = "Restart running task instances; without it, a selection holding one is refused.",
    };

    private readonly Option<bool> _keepVersion = new("--keep-version")
    {
        Description = "Keep each run on the DAG version it has; without it, the runs move to the DAG's current version (the file as it is now).",
    };

    private readonly Option<bool> _recursive = new("--recursive")
    {
        Description = "Also clear what other DAGs hold up on the matching task instances: the external_task sensors waiting on them " +
                      "(with their downstream) at the matching logical date, and the runs their trigger_dag tasks started; and so on from there.",
    };

    private readonly Option<bool> _yes = new("--yes", "-y") { Description = "Clear without asking for confirmation (needed when stdin is not a terminal)." };

    private readonly Option<bool> _dryRun = new("--dry-run") { Description = "Only show what would be cleared." };

    public TasksClearCommand()
        : base("clear", "Clear task instances of a DAG so they run again; asks for confirmation unless --yes.")
    {
        Arguments.Add(_dag);
        foreach (var option in new Option[]
                 {
                     _dagId, _dagRegex, _taskRegex, _start, _end, _onlyFailed, _onlyRunning, _upstream, _downstream, _restartRunning, _keepVersion, _recursive, _yes, _dryRun,
                 })
        {
            Options.Add(option);
        }

        Validators.Add(Check);
    }

    public override string Details =>
        "Selects the task instances of the DAG's runs whose logical date is in [--start-date, --end-date] (every run when\n" +
        "both are left out) and whose task id matches --task-regex (every task when left out), shows them, and clears\n" +
        "them. With --dag-regex it selects so in every DAG whose id matches, shows each DAG's, and asks once for all.\n" +
        "Dates are YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], read in each DAG's time zone unless they carry an offset.";

    public override CliInvocation Bind(ParseResult result)
    {
        var dag = DagOf(result.CommandResult)!;
        var input = new Input(
            dag,
            result.GetValue(_dagRegex) && CliParsers.TryCreateRegex(dag, out var pattern, out _) ? pattern : null,
            result.GetValue(_taskRegex),
            result.GetValue(_start),
            result.GetValue(_end),
            new ClearOptions(new Relatives(Upstream: result.GetValue(_upstream), Downstream: result.GetValue(_downstream)),
                OnlyFailed: result.GetValue(_onlyFailed),
                // Asking for the running ones only is asking to restart them.
                DisturbRunning: result.GetValue(_restartRunning) || result.GetValue(_onlyRunning),
                KeepVersions: result.GetValue(_keepVersion),
                OnlyRunning: result.GetValue(_onlyRunning),
                Recursive: result.GetValue(_recursive)),
            result.GetValue(_yes),
            result.GetValue(_dryRun));
        return (run, ct) => RunAsync(input, run, ct);
    }

    /// <summary>The rules between options, which no single option can check.</summary>
    private void Check(CommandResult result)
    {
        var (argument, option) = (result.GetValue(_dag), result.GetValue(_dagId));
        if (argument is not null && option is not null)
        {
            result.AddError($"--dag-id is given more than once: as the first argument '{argument}' and as --dag-id '{option}'");
        }
        else if (DagOf(result) is not { } dag)
        {
            result.AddError("the DAG is missing: give its id as the first argument or as --dag-id");
        }
        else if (result.GetValue(_dagRegex) && !CliParsers.TryCreateRegex(dag, out _, out var problem))
        {
            result.AddError($"with --dag-regex the DAG id must be a regular expression ({problem}), got '{dag}'");
        }

        if (result.GetValue(_onlyFailed) && result.GetValue(_onlyRunning))
        {
            result.AddError("--only-failed and --only-running cannot be given together");
        }

        if (result.GetValue(_recursive) && result.GetValue(_dagRegex))
        {
            // One DAG's recursive clear may reach another the pattern matches, whose own preview it would then outdate.
            result.AddError("--recursive cannot be given with --dag-regex: clear one DAG recursively at a time");
        }

        if (result.GetValue(_yes) && result.GetValue(_dryRun))
        {
            result.AddError("--yes and --dry-run cannot be given together");
        }
    }

    private string? DagOf(CommandResult result) => result.GetValue(_dag) ?? result.GetValue(_dagId);

    private static async Task<int> RunAsync(Input input, CliRun run, CancellationToken ct)
    {
        var dags = await DagsAsync(run.Services, input, ct);
        if (dags.Count == 0)
        {
            await run.Error.WriteLineAsync(input.AcrossDags
                ? $"No DAG matches '{input.Dag}': no active DAG's id contains a match of it."
                : $"There is no DAG '{input.Dag}'.");
            return ExitCodes.Refused;
        }

        var service = run.Services.GetRequiredService<ClearService>();
        var clears = new List<DagClear>();
        foreach (var (dagId, zone) in dags)
        {
            if (input.AcrossDags)
            {
                await run.Out.WriteLineAsync($"DAG '{dagId}':");
            }

            if (await PreviewAsync(service, dagId, zone, input, run, ct) is { } clear)
            {
                clears.Add(clear);
            }

            if (input.AcrossDags)
            {
                await run.Out.WriteLineAsync();
            }
        }

        var what = CliText.Count(clears.Sum(c => c.Preview.All.Count), "task instance") +
                   (input.AcrossDags ? $" in {CliText.Count(clears.Count, "DAG")}" : "");
        if (input.AcrossDags)
        {
            await run.Out.WriteLineAsync(clears.Count == 0 ? $"Nothing to clear in the DAGs matching '{input.Dag}'." : $"{what} to clear.");
        }

        if (clears.Count == 0)
        {
            return ExitCodes.Success; // each DAG has said why
        }

        if (clears.Where(c => c.Preview.Blocker is not null).ToList() is { Count: > 0 } blocked)
        {
            foreach (var clear in blocked)
            {
                // The service words it for the dialog's toggle; here the switch is a flag.
                await run.Error.WriteLineAsync((input.AcrossDags ? $"DAG '{clear.Request.DagId}': " : "") + clear.Preview.Blocker);
            }

            if (blocked.Any(c => c.Preview.Refusal is null && c.Preview.Running.Count > 0))
            {
                await run.Error.WriteLineAsync("Pass --restart-running to restart them.");
            }

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

        if (!input.Yes && !await ConfirmAsync(run.Console, what))
        {
            await run.Out.WriteLineAsync("Cancelled: nothing was cleared.");
            return ExitCodes.Success;
        }

        return await ExecuteAsync(service, clears, input, run, ct);
    }

    /// <summary>The DAGs to clear in, by id, with the time zone their dates are read in: none when nothing matches.</summary>
    private static async Task<List<(string DagId, TimeZoneInfo Zone)>> DagsAsync(IServiceProvider services, Input input, CancellationToken ct)
    {
        if (input.DagPattern is not { } pattern)
        {
            return await DagTimeZone.FindAsync(services, input.Dag, ct) is { } zone ? [(input.Dag, zone)] : [];
        }

        // Airflow matches the DAGs its files define, so a DAG whose file is gone (inactive) is left out.
        await using var db = await services.GetRequiredService<IDbContextFactory<DashboardDbContext>>().CreateDbContextAsync(ct);
        var dags = await db.Dags.AsNoTracking().Where(d => d.IsActive).Select(d => new { d.DagId, d.Timezone }).ToListAsync(ct);
        return [.. dags.Where(d => pattern.IsMatch(d.DagId)).OrderBy(d => d.DagId, StringComparer.Ordinal).Select(d => (d.DagId, DagTimeZone.Named(d.Timezone)))];
    }

    /// <summary>Prints what clearing in one DAG would do; null when it has nothing to clear, which it says instead.</summary>
    private static async Task<DagClear?> PreviewAsync(ClearService service, string dagId, TimeZoneInfo zone, Input input, CliRun run, CancellationToken ct)
    {
        var targets = await TargetsAsync(run.Services, dagId, zone, input, ct);
        if (targets.Count == 0)
        {
            await run.Out.WriteLineAsync($"Nothing to clear: no task instance of DAG '{dagId}' matches.");
            return null;
        }

        var request = new ClearRequest(dagId, targets, input.Options, run.Actor, RequestId: Guid.NewGuid());
        var preview = await service.PreviewAsync(request, ct);
        if (preview.All.Count == 0)
        {
            await run.Out.WriteLineAsync(preview.Blocker);
            return null;
        }

        await WritePreviewAsync(run.Out, preview);
        return new DagClear(request, preview);
    }

    /// <summary>
    /// Clears DAG by DAG, each as its confirmed preview or not at all. Should one DAG's task
    /// instances have moved since its preview, the DAGs before it stay cleared, and the output says
    /// which were and which were not.
    /// </summary>
    private static async Task<int> ExecuteAsync(ClearService service, List<DagClear> clears, Input input, CliRun run, CancellationToken ct)
    {
        for (var i = 0; i < clears.Count; i++)
        {
            var (request, preview) = clears[i];
            ClearResult result;
            try
            {
                result = await service.ExecuteAsync(request, confirmed: preview, ct);
            }
            catch (OperationRefusedException e) when (input.AcrossDags)
            {
                await run.Error.WriteLineAsync($"DAG '{request.DagId}': {e.Message}");
                await run.Error.WriteLineAsync($"Not cleared: {string.Join(", ", clears.Skip(i).Select(c => $"DAG '{c.Request.DagId}'"))}.");
                return ExitCodes.Refused;
            }

            await run.Out.WriteLineAsync(
                $"Cleared {CliText.Count(result.TaskInstances, "task instance")}" +
                (input.AcrossDags ? $" of DAG '{request.DagId}'" : "") +
                (result.OtherDags > 0 ? $" in {CliText.Count(result.OtherDags + 1, "DAG")}" : "") +
                (result.Restarted > 0 ? $" ({result.Restarted} running, restarted)" : "") +
                $"; {CliText.Count(result.RunsRequeued, "run")} back in the queue.");
        }

        return ExitCodes.Success;
    }

    /// <summary>One target per (run, task) that has a task instance: the pairs in the date range whose task matches.</summary>
    private static async Task<List<TaskTarget>> TargetsAsync(IServiceProvider services, string dagId, TimeZoneInfo zone, Input input, CancellationToken ct)
    {
        var (start, end) = (input.Start?.In(zone), input.End?.In(zone));
        await using var db = await services.GetRequiredService<IDbContextFactory<DashboardDbContext>>().CreateDbContextAsync(ct);
        var pairs = await db.TaskInstances.AsNoTracking()
            .Where(t => t.DagId == dagId)
            .Join(db.DagRuns, t => t.DagRunId, r => r.Id, (t, r) => new { r.RunId, r.LogicalDate, t.TaskId })
            .Where(p => (start == null || p.LogicalDate >= start) && (end == null || p.LogicalDate <= end))
            .Select(p => new { p.RunId, p.TaskId })
            .ToListAsync(ct);
        return [.. pairs.Where(p => input.TaskPattern?.IsMatch(p.TaskId) ?? true).Select(p => TaskTarget.Task(p.RunId, p.TaskId))];
    }

    /// <summary>The instances to clear in the DAG asked for, then in each other DAG a --recursive clear reaches, with why it does.</summary>
    private static async Task WritePreviewAsync(TextWriter writer, ClearPreview preview)
    {
        await WriteInstancesAsync(writer, preview.TaskInstances, preview.Versions);
        foreach (var linked in preview.Linked)
        {
            await writer.WriteLineAsync();
            await writer.WriteLineAsync($"DAG '{linked.DagId}' ({string.Join("; ", linked.Reasons)}):");
            await WriteInstancesAsync(writer, linked.TaskInstances, linked.Versions);
        }

        var running = preview.Running.Count;
        await writer.WriteLineAsync(
            $"{CliText.Count(preview.All.Count, "task instance")} to clear" +
            (preview.Linked.Count > 0 ? $" in {CliText.Count(preview.Linked.Count + 1, "DAG")}" : "") +
            (running > 0 && preview.DisturbRunning ? $", {running} of them running (restarted)." : "."));
    }

    private static async Task WriteInstancesAsync(TextWriter writer, IReadOnlyList<AffectedTaskInstance> instances, RerunVersions versions)
    {
        var table = new TextTable("RUN", "TASK", "STATE");
        foreach (var ti in instances)
        {
            table.Add(ti.RunId, ti.TaskId, CliText.State(ti.State));
        }

        table.WriteTo(writer);
        await CliText.WriteVersionsAsync(writer, versions);
    }

    /// <summary>Airflow's prompt: only "y" or "yes" clears.</summary>
    private static async Task<bool> ConfirmAsync(CliConsole console, string what)
    {
        await console.Out.WriteAsync($"Clear {what}? [y/N] ");
        await console.Out.FlushAsync();
        var answer = (await console.In.ReadLineAsync())?.Trim();
        return string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) || string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase);
    }

    /// <param name="Dag">The DAG id as given: with --dag-regex, the text of <paramref name="DagPattern"/>.</param>
    private sealed record Input(
        string Dag, Regex? DagPattern, Regex? TaskPattern, CliDate? Start, CliDate? End, ClearOptions Options, bool Yes, bool DryRun)
    {
        /// <summary>--dag-regex: every matching DAG is previewed under its own heading, and asked about once for all.</summary>
        [MemberNotNullWhen(true, nameof(DagPattern))]
        public bool AcrossDags => DagPattern is not null;
    }

    /// <summary>What one DAG's clear was previewed as, so that it applies exactly that.</summary>
    private sealed record DagClear(ClearRequest Request, ClearPreview Preview);
}
