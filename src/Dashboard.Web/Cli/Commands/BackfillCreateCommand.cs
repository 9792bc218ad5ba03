using System.CommandLine;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Backfill;
using Dashboard.Core.Persistence;

namespace Dashboard.Web.Cli.Commands;

/// <summary>
/// <c>backfill create</c>, Airflow's flags: a preview of the same plan the UI shows, then the backfill.
/// A run that already exists is left alone unless --reprocess-behavior covers it.
/// </summary>
internal sealed class BackfillCreateCommand : CliCommand
{
    private readonly Option<string> _dagId = new("--dag-id") { Description = "The DAG to backfill.", HelpName = "DAG_ID", Required = true };

    private readonly Option<CliDate> _from = new("--from-date")
    {
        Description = "The earliest logical date, inclusive.", HelpName = "DATE", Required = true, CustomParser = CliParsers.Date,
    };

    private readonly Option<CliDate> _to = new("--to-date")
    {
        Description = "The latest logical date, inclusive.", HelpName = "DATE", Required = true, CustomParser = CliParsers.Date,
    };

    // No default value factory: help would print the default as .NET spells it (None); the description names it.
    private readonly Option<ReprocessBehavior?> _reprocess = new("--reprocess-behavior")
    {
        Description = "Which existing runs run again: none (missing dates only, the default), failed (and failed runs), completed (and every finished run).",
        CustomParser = CliParsers.SnakeCaseEnum<ReprocessBehavior>,
    };

    private readonly Option<int> _maxActiveRuns = new("--max-active-runs")
    {
        Description = "How many of the backfill's runs may run at once.", HelpName = "N", DefaultValueFactory = _ => 1, CustomParser = CliParsers.WholeNumber,
    };

    private readonly Option<bool> _runBackwards = new("--run-backwards") { Description = "Start with the latest date." };

    private readonly Option<string> _conf = new("--dag-run-conf")
    {
        Description = "The runs' conf, a JSON object checked against the DAG's params.", HelpName = "JSON", CustomParser = CliParsers.JsonObject,
    };

    private readonly Option<bool> _unpause = new("--unpause")
    {
        Description = "Unpause the DAG if it is paused; a paused DAG's backfill runs wait until it is unpaused.",
    };

    private readonly Option<bool> _keepVersion = new("--keep-version")
    {
        Description = "Keep the runs it re-runs on the DAG version they have; without it, they move to the DAG's current version.",
    };

    private readonly Option<bool> _dryRun = new("--dry-run")
    {
        Description = "Print the parameters and the runs the backfill would create or re-run, and change nothing.",
    };

    public BackfillCreateCommand()
        : base("create", "Create a backfill: runs of a DAG for a range of past logical dates (or only show them with --dry-run).")
    {
        // Tab completion offers the values in Airflow's spelling, which the parser reads, rather than .NET's.
        _reprocess.CompletionSources.Clear();
        _reprocess.CompletionSources.Add(_ => SnakeCase.NamesOf<ReprocessBehavior>());
        foreach (var option in new Option[] { _dagId, _from, _to, _reprocess, _maxActiveRuns, _runBackwards, _conf, _unpause, _keepVersion, _dryRun })
        {
            Options.Add(option);
        }
    }

    public override string Details =>
        "Every data interval of the DAG that has ended and starts in [--from-date, --to-date] gets a queued run,\n" +
        "started by the scheduler within --max-active-runs. Dates are YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS], read in the\n" +
        "DAG's time zone unless they carry an offset (Z, +02:00).";

    public override CliInvocation Bind(ParseResult result)
    {
        var input = new Input(
            result.GetRequiredValue(_dagId),
            result.GetRequiredValue(_from),
            result.GetRequiredValue(_to),
            result.GetValue(_reprocess) ?? ReprocessBehavior.None,
            result.GetValue(_maxActiveRuns),
            result.GetValue(_runBackwards),
            result.GetValue(_conf),
            result.GetValue(_unpause),
            result.GetValue(_keepVersion),
            result.GetValue(_dryRun));
        return (run, ct) => RunAsync(input, run, ct);
    }

    private static async Task<int> RunAsync(Input input, CliRun run, CancellationToken ct)
    {
        var zone = await DagTimeZone.FindAsync(run.Services, input.DagId, ct) ?? TimeZoneInfo.Utc;
        var request = new BackfillRequest(input.DagId, input.From.In(zone), input.To.In(zone), run.Actor,
            input.Reprocess, input.MaxActiveRuns, input.RunBackwards, input.Conf, input.Unpause, input.KeepVersion);
        var service = run.Services.GetRequiredService<BackfillService>();

        var plan = await service.PreviewAsync(request, ct);
        if (!plan.IsValid)
        {
            foreach (var problem in plan.Problems)
            {
                await run.Error.WriteLineAsync($"{OptionFor(problem.Field)}: {problem.Message}");
            }

            return ExitCodes.Refused;
        }

        if (input.DryRun)
        {
            await WritePlanAsync(run.Out, request, plan, zone);
        }

        if (plan.DagPaused && !input.Unpause)
        {
            await run.Error.WriteLineAsync(
                $"warning: DAG '{input.DagId}' is paused, so the backfill's runs wait until it is unpaused (pass --unpause to unpause it).");
        }

        if (plan.Blocker is { } nothingToDo)
        {
            // Problems were handled above: what blocks a valid plan is that it creates nothing, which is no failure.
            await run.Out.WriteLineAsync(nothingToDo);
            return ExitCodes.Success;
        }

        if (input.DryRun)
        {
            return ExitCodes.Success;
        }

        var created = await service.CreateAsync(request, ct);
        await run.Out.WriteLineAsync(
            $"Created backfill #{created.Id} of DAG '{input.DagId}': {CliText.Count(created.Created, "run")} created, " +
            $"{created.Rerun} to re-run, {created.Skipped} skipped.");
        if (plan.DagPaused && input.Unpause)
        {
            await run.Out.WriteLineAsync($"Unpaused DAG '{input.DagId}'.");
        }

        return ExitCodes.Success;
    }

    private static async Task WritePlanAsync(TextWriter writer, BackfillRequest request, BackfillPlan plan, TimeZoneInfo zone)
    {
        await writer.WriteLineAsync("Dry run of a backfill; nothing is created.");
        (string Name, string Value)[] parameters =
        [
            ("dag id", request.DagId),
            ("from date", $"{CliText.Date(request.FromDate)} (UTC)"),
            ("to date", $"{CliText.Date(request.ToDate)} (UTC)"),
            ("dag time zone", zone.Id),
            ("reprocess behavior", request.Reprocess.ToSnakeCase()),
            ("max active runs", request.MaxActiveRuns.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("run backwards", CliText.YesNo(request.RunBackwards)),
            ("dag run conf", request.ConfJson ?? "{}"),
            ("unpause dag", CliText.YesNo(request.UnpauseDag)),
            ("dag version", plan.Versions.Current?.Label ?? "none"),
        ];
        foreach (var (name, value) in parameters)
        {
            await writer.WriteLineAsync($"  {name + ":",-20}{value}");
        }

        await writer.WriteLineAsync();

        await writer.WriteLineAsync("Runs to be attempted, in the order they would start:");
        var slots = new TextTable("LOGICAL DATE (UTC)", "ACTION", "EXISTING RUN", "REASON");
        foreach (var slot in plan.Slots)
        {
            slots.Add(CliText.Date(slot.LogicalDate), ActionText(slot.Action),
                slot.ExistingRunId is { } runId ? $"{runId} ({slot.ExistingState?.ToSnakeCase()})" : "",
                slot.SkipReason ?? (plan.MoveOf(slot) is { } move ? move.Change.Label : null));
        }

        slots.WriteTo(writer);
        await CliText.WriteVersionsAsync(writer, plan.Versions);
        await writer.WriteLineAsync(
            $"{CliText.Count(plan.Slots.Count, "date")}: {plan.ToCreate} to create, {plan.ToRerun} to re-run, {plan.Skipped} skipped.");
    }

    private static string ActionText(SlotAction action) => action switch
    {
        SlotAction.Create => "create",
        SlotAction.Rerun => "re-run",
        _ => "skip",
    };

    /// <summary>The option a problem is about, so the message points at what to change.</summary>
    private static string OptionFor(BackfillField field) => field switch
    {
        BackfillField.Dag => "--dag-id",
        BackfillField.FromDate => "--from-date",
        BackfillField.ToDate => "--to-date",
        BackfillField.Reprocess => "--reprocess-behavior",
        BackfillField.MaxActiveRuns => "--max-active-runs",
        BackfillField.RunBackwards => "--run-backwards",
        BackfillField.Conf => "--dag-run-conf",
        _ => field.ToString(),
    };

    private sealed record Input(
        string DagId, CliDate From, CliDate To, ReprocessBehavior Reprocess, int MaxActiveRuns, bool RunBackwards, string? Conf, bool Unpause, bool KeepVersion,
        bool DryRun);
}
