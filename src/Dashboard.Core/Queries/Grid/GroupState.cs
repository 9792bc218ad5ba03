using Dashboard.Core.Domain;

namespace Dashboard.Core.Queries.Grid;

/// <summary>
/// A task group's state in one run: the most urgent state among its task instances, in Airflow's
/// priority order (common/parameters.py state_priority), with how many are in each state.
/// </summary>
public sealed class GroupState
{
    /// <summary>Most urgent first: what needs a person before what is merely in progress before what is done.</summary>
    public static readonly IReadOnlyList<TaskInstanceState?> Priority =
    [
        TaskInstanceState.Failed,
        TaskInstanceState.UpstreamFailed,
        TaskInstanceState.UpForRetry,
        TaskInstanceState.UpForReschedule,
        TaskInstanceState.Queued,
        TaskInstanceState.Scheduled,
        TaskInstanceState.Deferred,
        TaskInstanceState.Running,
        TaskInstanceState.Restarting,
        null,
        TaskInstanceState.Success,
        TaskInstanceState.Skipped,
        TaskInstanceState.Removed,
    ];

    // Rank by cell code (GridCell.Code), so aggregation is an array lookup per cell.
    private static readonly int[] RankByCode = BuildRanks();

    private readonly int[] _counts = new int[RankByCode.Length];

    /// <summary><see cref="GridCell.MissingCode"/> when no task of the group has an instance in the run.</summary>
    public byte Code { get; private set; } = GridCell.MissingCode;

    public int Total { get; private set; }

    public bool Exists => Code != GridCell.MissingCode;

    public TaskInstanceState? State => new GridCell(Code).State;

    public void Add(GridCell cell)
    {
        if (!cell.Exists)
        {
            return;
        }

        _counts[cell.Code]++;
        Total++;
        if (Code == GridCell.MissingCode || RankByCode[cell.Code] < RankByCode[Code])
        {
            Code = cell.Code;
        }
    }

    /// <summary>Counts per state, in priority order, states with no instance left out.</summary>
    public IEnumerable<(TaskInstanceState? State, int Count)> Counts() =>
        Priority.Select(s => (s, _counts[GridCell.CodeOf(s)])).Where(c => c.Item2 > 0);

    public static GroupState Of(IEnumerable<GridCell> cells)
    {
        var state = new GroupState();
        foreach (var cell in cells)
        {
            state.Add(cell);
        }

        return state;
    }

    /// <summary>The most urgent state of <paramref name="tasks"/> in <paramref name="run"/>, as a cell: what a collapsed group draws, without counting.</summary>
    public static GridCell Aggregate(GridSnapshot snapshot, IReadOnlyList<int> tasks, int run)
    {
        var code = GridCell.MissingCode;
        foreach (var task in tasks)
        {
            var cell = snapshot.Cell(task, run).Code;
            if (cell != GridCell.MissingCode && (code == GridCell.MissingCode || RankByCode[cell] < RankByCode[code]))
            {
                code = cell;
            }
        }

        return new GridCell(code);
    }

    private static int[] BuildRanks()
    {
        var ranks = new int[Enum.GetValues<TaskInstanceState>().Length + 2];
        Array.Fill(ranks, int.MaxValue);
        for (var i = 0; i < Priority.Count; i++)
        {
            ranks[GridCell.CodeOf(Priority[i])] = i;
        }

        return ranks;
    }
}
