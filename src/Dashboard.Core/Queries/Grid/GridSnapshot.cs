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
/// One (task, run) cell in one byte, because that is all the grid needs to draw it and a grid holds
/// runs × tasks of them. The low four bits are the <see cref="Code"/>: 0 means the run has no task
/// instance for the task (the task was added after the run was created), 1 means Airflow's
/// "no status", and 2 + n means <see cref="TaskInstanceState"/> n. <see cref="NoteFlag"/> says the
/// task instance has a note. Tries and times are read when a cell is looked at, not kept for all.
/// </summary>
public readonly record struct GridCell(byte Value)
{
    public const byte MissingCode = 0;
    public const byte NoStatusCode = 1;
    public const byte NoteFlag = 0x10;
    public const byte CodeMask = 0x0F;

    public static readonly GridCell Missing = default;

    public static GridCell Of(TaskInstanceState? state, bool hasNote = false) =>
        new((byte)(CodeOf(state) | (hasNote ? NoteFlag : 0)));

    public static byte CodeOf(TaskInstanceState? state) => state is { } s ? (byte)(s + 2) : NoStatusCode;

    /// <summary>The state part alone: <see cref="MissingCode"/>, <see cref="NoStatusCode"/> or 2 + the state.</summary>
    public byte Code => (byte)(Value & CodeMask);

    public bool Exists => Code != MissingCode;

    public bool HasNote => (Value & NoteFlag) != 0;

    public TaskInstanceState? State => Code > NoStatusCode ? (TaskInstanceState)(Code - 2) : null;
}

/// <summary>
/// What the grid shows for one DAG: a window of runs (oldest first, as drawn left to right), the
/// task rows in topological order and a dense tasks × runs matrix of one-byte cells. Immutable, so
/// every open grid of the same view can share one.
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

    /// <summary>When the runs were read: the "now" running durations are measured against.</summary>
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

    public int TaskIndex(string taskId)
    {
        for (var i = 0; i < tasks.Count; i++)
        {
            if (tasks[i].TaskId == taskId)
            {
                return i;
            }
        }

        return -1;
    }
}
