using System.Runtime.InteropServices;
using Dashboard.Core.Domain;

namespace Dashboard.Core.Queries.Grid;

/// <summary>A run column of the grid.</summary>
/// <param name="VersionNumber">The number of the DAG version the run is on ("v3").</param>
/// <param name="HasNote">The run has a note (the grid marks its header; the run panel shows it).</param>
/// <param name="DeadlineMissedAt">When the scheduler found the run past its deadline, unfinished; null when it has not.</param>
public sealed record GridRun(
    long Id,
    string RunId,
    DagRunType RunType,
    DagRunState State,
    DateTimeOffset? LogicalDate,
    DateTimeOffset RunAfter,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    int? BackfillId,
    int? VersionNumber = null,
    bool HasNote = false,
    DateTimeOffset? DeadlineMissedAt = null)
{
    /// <summary>The date a person recognises the run by: its logical date, or when it ran if it has none.</summary>
    public DateTimeOffset Date => LogicalDate ?? RunAfter;

    /// <summary>Seconds from start to end, or to <paramref name="now"/> while the run is going; null before it starts.</summary>
    public double? DurationSeconds(DateTimeOffset now) =>
        StartDate is { } start ? Math.Max(0, ((EndDate ?? now) - start).TotalSeconds) : null;
}

/// <summary>A task row: a task of the DAG's current version or of a version a visible run used.</summary>
public sealed record GridTask(string TaskId, string? GroupId);

/// <summary>
/// One (task, run) cell, packed small because a grid holds runs × tasks of them.
/// <see cref="Code"/> 0 means the run has no task instance for the task (the task was added after
/// the run was created), 1 means Airflow's "no status", and 2 + n means <see cref="TaskInstanceState"/> n.
/// <see cref="HasNote"/> says the task instance has a note; with the runtime free to order the fields,
/// it shares the first word with the code and the try, so a cell stays 24 bytes.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct GridCell(byte Code, short TryNumber, long StartTicks, long EndTicks, bool HasNote = false)
{
    public const byte MissingCode = 0;
    public const byte NoStatusCode = 1;

    public static readonly GridCell Missing = default;

    public static byte CodeOf(TaskInstanceState? state) => state is { } s ? (byte)(s + 2) : NoStatusCode;

    public bool Exists => Code != MissingCode;

    public TaskInstanceState? State => Code > NoStatusCode ? (TaskInstanceState)(Code - 2) : null;

    public DateTimeOffset? StartDate => StartTicks == 0 ? null : new DateTimeOffset(StartTicks, TimeSpan.Zero);

    public DateTimeOffset? EndDate => EndTicks == 0 ? null : new DateTimeOffset(EndTicks, TimeSpan.Zero);

    public double? DurationSeconds(DateTimeOffset now) =>
        StartTicks == 0 ? null : Math.Max(0, ((EndTicks == 0 ? now.UtcTicks : EndTicks) - StartTicks) / (double)TimeSpan.TicksPerSecond);
}

/// <summary>
/// What the grid shows for one DAG: a window of runs (oldest first, as drawn left to right), the
/// task rows in topological order and a dense runs × tasks matrix of cells.
/// </summary>
public sealed class GridSnapshot(
    string dagId, IReadOnlyList<GridRun> runs, IReadOnlyList<GridTask> tasks, GridCell[] cells, bool hasOlder, DateTimeOffset loadedAt)
{
    public string DagId => dagId;

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<GridRun> Runs => runs;

    public IReadOnlyList<GridTask> Tasks => tasks;

    /// <summary>More runs match the filters before the oldest one shown.</summary>
    public bool HasOlder => hasOlder;

    /// <summary>The "now" running durations were measured against.</summary>
    public DateTimeOffset LoadedAt => loadedAt;

    public GridCell Cell(int task, int run) => cells[task * runs.Count + run];

    public int RunIndex(string runId)
    {
        for (var i = 0; i < runs.Count; i++)
        {
            if (runs[i].RunId == runId)
            {
                return i;
            }
        }

        return -1;
    }
}
