using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Operations.Versions;
using Dashboard.Core.Security;

namespace Dashboard.Core.Operations.Backfill;

/// <summary>
/// A lead's backfill request. <see cref="ToDate"/> is the latest logical date, inclusive, as in
/// Airflow; only data intervals that have ended become runs. Runs it re-runs move to the DAG's
/// current version unless <see cref="KeepVersions"/>.
/// </summary>
/// <param name="PreviewedVersionId">
/// The DAG version the confirmed preview showed: when the DAG's file changed since, the backfill is
/// refused as outdated rather than run on a version nobody looked at. Null: no preview to hold to.
/// </param>
public sealed record BackfillRequest(
    string DagId,
    DateTimeOffset FromDate,
    DateTimeOffset ToDate,
    Actor Actor,
    ReprocessBehavior Reprocess = ReprocessBehavior.None,
    int MaxActiveRuns = 1,
    bool RunBackwards = false,
    string? ConfJson = null,
    bool UnpauseDag = false,
    bool KeepVersions = false,
    int? PreviewedVersionId = null)
{
    /// <summary>
    /// A conf was given, even <c>{}</c>: every run gets it, the runs re-run too. Without one the new
    /// runs get <c>{}</c> (so the DAG's params) and the re-runs keep their own, as in Airflow.
    /// </summary>
    public bool GivesConf => !string.IsNullOrWhiteSpace(ConfJson);
}

public enum SlotAction
{
    /// <summary>No run has this logical date: a backfill run is created.</summary>
    Create,

    /// <summary>A finished run has it and the reprocess behaviour covers it: it is cleared and becomes a backfill run.</summary>
    Rerun,

    /// <summary>A run has it and stays as it is (<see cref="BackfillSlot.SkipReason"/> says why).</summary>
    Skip,
}

/// <summary>One data interval of the range and what the backfill does with it.</summary>
/// <param name="ExistingVersionId">The DAG version the existing run is on.</param>
public sealed record BackfillSlot(
    DataInterval Interval, SlotAction Action, string? ExistingRunId, DagRunState? ExistingState, string? SkipReason, long? ExistingId = null, int? ExistingVersionId = null)
{
    public const string InFlight = "in flight";
    public const string AlreadyExists = "already exists";

    public DateTimeOffset LogicalDate => Interval.Start;
}

/// <summary>A rule the request breaks, tied to the form field it is about.</summary>
public sealed record BackfillProblem(BackfillField Field, string Message);

public enum BackfillField
{
    Dag,
    FromDate,
    ToDate,
    Reprocess,
    MaxActiveRuns,
    RunBackwards,
    Conf,
}

/// <summary>
/// What a backfill would do, slot by slot, in the order its runs would start; or the problems that
/// stop it. <see cref="BackfillService.PreviewAsync"/> and <see cref="BackfillService.CreateAsync"/> build it the same way.
/// </summary>
/// <param name="Versions">The DAG's current version (which new runs get), and the re-runs that move to it.</param>
public sealed record BackfillPlan(IReadOnlyList<BackfillSlot> Slots, IReadOnlyList<BackfillProblem> Problems, bool DagPaused, RerunVersions Versions)
{
    /// <summary>How a re-run slot's run changes version; null when it stays (on the current version already, or kept).</summary>
    public RunVersionMove? MoveOf(BackfillSlot slot) =>
        slot.Action == SlotAction.Rerun ? Versions.Moves.FirstOrDefault(m => m.RunId == slot.ExistingRunId) : null;

    public int ToCreate => Slots.Count(s => s.Action == SlotAction.Create);

    public int ToRerun => Slots.Count(s => s.Action == SlotAction.Rerun);

    public int Skipped => Slots.Count(s => s.Action == SlotAction.Skip);

    public bool IsValid => Problems.Count == 0;

    /// <summary>Why nothing would be created, or null when the backfill may go ahead.</summary>
    public string? Blocker =>
        Problems.Count > 0 ? string.Join(" ", Problems.Select(p => p.Message))
        : ToCreate + ToRerun == 0 ? NothingToDo()
        : null;

    public IEnumerable<string> ProblemsWith(BackfillField field) => Problems.Where(p => p.Field == field).Select(p => p.Message);

    private string NothingToDo() => Slots.Count == 0
        ? "No data interval of this DAG that has ended starts in this range: there is nothing to backfill."
        : $"Nothing to do: all {Slots.Count} runs in the range exist already or are in flight. Choose another reprocess behaviour to run them again.";
}
