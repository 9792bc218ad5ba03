using Dashboard.Core.Notifications;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Queries.Grid;

/// <summary>Which runs the grid shows: the newest <see cref="Limit"/> matching the filters, after skipping <see cref="Offset"/> newer ones.</summary>
public sealed record GridRequest(string DagId, int Limit = 25, int Offset = 0, DagRunType? RunType = null, DagRunState? RunState = null)
{
    public static readonly IReadOnlyList<int> RunCounts = [10, 25, 50, 100];
}

/// <summary>A task instance as a grid cell's tooltip describes it.</summary>
public sealed record GridCellDetail(TaskInstanceState? State, int TryNumber, DateTimeOffset? StartDate, DateTimeOffset? EndDate, bool HasNote)
{
    /// <summary>Seconds from start to end, or to <paramref name="now"/> while it runs; null before it starts.</summary>
    public double? DurationSeconds(DateTimeOffset now) =>
        StartDate is { } start ? Math.Max(0, ((EndDate ?? now) - start).TotalSeconds) : null;
}

/// <summary>
/// Builds <see cref="GridSnapshot"/>s: the run window in one round trip, then the cells of its runs,
/// one byte each, straight from the reader into dense arrays. The tasks of the versions those runs
/// used come from <see cref="DagVersionCache"/>, because a version's tasks never change.
/// </summary>
/// <remarks>
/// Open grids share their reads (<see cref="LoadSharedAsync"/>): a snapshot per view and a column per
/// run, kept until a committed change makes them stale. A change to one run then costs every open
/// grid of its DAG one read of that run's column and of the window, once per app instance however
/// many grids are open, instead of a read of every cell per grid.
/// </remarks>
public sealed class GridQuery : IChangeInvalidator
{
    /// <summary>Cells (bytes) the shared snapshots and the shared columns may each hold: about 160 grids of 1,000 tasks × 100 runs.</summary>
    public const long SharedCellBudget = 16_000_000;

    private readonly IDbContextFactory<DashboardDbContext> _dbFactory;
    private readonly DagVersionCache _versions;
    private readonly TimeProvider _time;
    private readonly SharedReads<GridRequest, GridSnapshot?> _snapshots =
        new(s => s is null ? 0 : (long)s.Tasks.Count * s.Runs.Count + 100L * (s.Tasks.Count + s.Runs.Count), SharedCellBudget);
    private readonly SharedReads<(string DagId, long RunId), GridColumn> _columns = new(c => c.Size, SharedCellBudget);

    public GridQuery(IDbContextFactory<DashboardDbContext> dbFactory, DagVersionCache versions, TimeProvider time, ChangeNotifier notifier)
    {
        (_dbFactory, _versions, _time) = (dbFactory, versions, time);
        notifier.AddInvalidator(this);
    }

    /// <summary>A fresh read of the view, shared with no one: for a caller that does not follow change notifications.</summary>
    /// <returns>Null when the DAG does not exist.</returns>
    public Task<GridSnapshot?> LoadAsync(GridRequest request, CancellationToken ct = default) => BuildAsync(request, shared: false, ct);

    /// <summary>
    /// The view as the app instance last read it, read again only where a change notification made it
    /// stale since: for pages that follow the notifications of <paramref name="request"/>'s DAG.
    /// </summary>
    /// <returns>Null when the DAG does not exist.</returns>
    public Task<GridSnapshot?> LoadSharedAsync(GridRequest request, CancellationToken ct = default) =>
        // The read is shared, so one caller giving up must not cancel it for the others.
        _snapshots.GetAsync(request, r => BuildAsync(r, shared: true, CancellationToken.None)).WaitAsync(ct);

    /// <summary>Forgets what is shared of <paramref name="dagId"/>: after a person's own change, read before its notification arrives.</summary>
    public void Forget(string dagId)
    {
        _snapshots.RemoveWhere(r => r.DagId == dagId);
        _columns.RemoveWhere(c => c.DagId == dagId);
    }

    void IChangeInvalidator.Invalidate(string? dagId, long runId)
    {
        if (string.IsNullOrEmpty(dagId))
        {
            return;
        }

        // Any change to a DAG may move its windows (a new run, a state a filter picks); only a run's own change moves its cells.
        _snapshots.RemoveWhere(r => r.DagId == dagId);
        if (runId != 0)
        {
            _columns.Remove((dagId, runId));
        }
    }

    void IChangeInvalidator.InvalidateAll()
    {
        _snapshots.Clear();
        _columns.Clear();
    }

    /// <summary>One task instance as a cell's tooltip shows it; null when the run has no instance of the task.</summary>
    public async Task<GridCellDetail?> CellAsync(long runId, string taskId, CancellationToken ct = default)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var rows = await db.QueryAsync(
            "SELECT state, try_number, start_date, end_date, note IS NOT NULL FROM task_instance WHERE dag_run_id = @run AND task_id = @task",
            r => new GridCellDetail(
                r.IsDBNull(0) ? null : SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(0)), r.GetInt32(1),
                r.NullableField<DateTimeOffset?>(2), r.NullableField<DateTimeOffset?>(3), r.GetBoolean(4)),
            ct, P("run", runId), P("task", taskId));
        return rows.SingleOrDefault();
    }

    private async Task<GridSnapshot?> BuildAsync(GridRequest request, bool shared, CancellationToken ct)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        if (await ReadRunsAsync(db, request, ct) is not { } window)
        {
            return null;
        }

        var (runs, versionIds, hasOlder) = window;
        var models = versionIds.Count == 0 ? new Dictionary<int, DagVersionModel>() : await _versions.GetAsync(db, versionIds, ct);
        var tasks = Structure(versionIds, models);
        var columns = shared ? await SharedColumnsAsync(request.DagId, runs, models) : await ReadColumnsAsync(db, runs, models, ct);
        var cells = Assemble(runs, tasks, models, columns);
        return new GridSnapshot(request.DagId, runs.Select(r => r.Run).ToList(), tasks, cells, hasOlder, _time.GetUtcNow());
    }

    /// <summary>One run as the run panel shows it, with the DAG version it is on; null when the DAG has no such run.</summary>
    public async Task<(DagRun Run, DagVersionModel? Version)?> RunAsync(string dagId, string runId, CancellationToken ct = default)
    {
        await using var db = await _dbFactory.CreateDbContextAsync(ct);
        var run = await db.DagRuns.AsNoTracking().SingleOrDefaultAsync(r => r.DagId == dagId && r.RunId == runId, ct);
        return run is null ? null : (run, run.DagVersionId is { } version ? await _versions.GetAsync(db, version, ct) : null);
    }

    /// <summary>
    /// The run window, oldest first, each run with the version it is on, and the versions whose tasks
    /// make the rows: the DAG's current version, then those of the runs in view. One statement, so
    /// the DAG's existence costs no round trip of its own.
    /// </summary>
    /// <returns>Null when the DAG does not exist.</returns>
    private static async Task<(List<WindowRun> Runs, List<int> VersionIds, bool HasOlder)?> ReadRunsAsync(
        DashboardDbContext db, GridRequest request, CancellationToken ct)
    {
        var rows = await db.QueryAsync("""
                SELECT d.current_version_id,
                       r.id, r.run_id, r.run_type, r.state, r.logical_date, r.run_after, r.start_date, r.end_date, r.backfill_id, r.dag_version_id,
                       v.version_number, r.has_note, r.deadline_missed_at
                FROM dag d
                LEFT JOIN LATERAL (
                    SELECT id, run_id, run_type, state, logical_date, run_after, start_date, end_date, backfill_id, dag_version_id,
                           note IS NOT NULL AS has_note, deadline_missed_at
                    FROM dag_run
                    WHERE dag_id = d.dag_id
                      AND (@type::text IS NULL OR run_type = @type)
                      AND (@state::text IS NULL OR state = @state)
                    ORDER BY run_after DESC, id DESC
                    OFFSET @offset LIMIT @limit
                ) r ON true
                LEFT JOIN dag_version v ON v.id = r.dag_version_id
                WHERE d.dag_id = @dag
                ORDER BY r.run_after DESC, r.id DESC
                """,
            r => (CurrentVersionId: r.NullableField<int?>(0),
                Run: r.IsDBNull(1) ? null : new WindowRun(new GridRun(
                    r.GetInt64(1), r.GetString(2), SnakeCase.ParseSnakeCase<DagRunType>(r.GetString(3)),
                    SnakeCase.ParseSnakeCase<DagRunState>(r.GetString(4)), r.NullableField<DateTimeOffset?>(5),
                    r.GetFieldValue<DateTimeOffset>(6), r.NullableField<DateTimeOffset?>(7), r.NullableField<DateTimeOffset?>(8),
                    r.NullableField<int?>(9), r.NullableField<int?>(11), r.GetBoolean(12), r.NullableField<DateTimeOffset?>(13)),
                    r.NullableField<int?>(10))),
            ct,
            P("dag", request.DagId),
            P("type", request.RunType is { } type ? SnakeCase.ToSnakeCase(type) : null),
            P("state", request.RunState is { } state ? SnakeCase.ToSnakeCase(state) : null),
            P("offset", Math.Max(0, request.Offset)),
            // One more than shown says whether older runs exist without counting them all.
            P("limit", request.Limit + 1));
        if (rows.Count == 0)
        {
            return null;
        }

        // A DAG without runs in the window still comes back, as one row without a run.
        var found = rows.Where(r => r.Run is not null).Select(r => r.Run!).ToList();
        var hasOlder = found.Count > request.Limit;
        var window = found.Take(request.Limit).Reverse().ToList();
        var versionIds = window.Select(r => r.VersionId).OfType<int>().Distinct().ToList();
        if (rows[0].CurrentVersionId is { } current)
        {
            versionIds.Remove(current);
            versionIds.Insert(0, current);
        }

        return (window, versionIds, hasOlder);
    }

    /// <summary>
    /// The current version's tasks in its topological order, then tasks only older versions had
    /// (removed since, but still in some visible run), so every task instance on screen has a row.
    /// </summary>
    private static List<GridTask> Structure(List<int> versionIds, IReadOnlyDictionary<int, DagVersionModel> models)
    {
        var tasks = new List<GridTask>(versionIds.Count == 0 ? 0 : models.Values.Max(m => m.Tasks.Count));
        var seen = new HashSet<string>(tasks.Capacity, StringComparer.Ordinal);
        foreach (var version in versionIds)
        {
            foreach (var task in models[version].Tasks)
            {
                if (seen.Add(task.TaskId))
                {
                    tasks.Add(new GridTask(task.TaskId, task.GroupId));
                }
            }
        }

        return tasks;
    }

    /// <summary>
    /// The window's columns from the shared ones, reading those missing in one round trip. A column
    /// read for another version than the run is on now (a clear moved it) is read again.
    /// </summary>
    private async Task<Dictionary<long, GridColumn>> SharedColumnsAsync(
        string dagId, List<WindowRun> runs, IReadOnlyDictionary<int, DagVersionModel> models)
    {
        var keys = runs.Select(r => (dagId, r.Run.Id)).ToList();
        var shared = await _columns.GetManyAsync(keys, missing => ReadSharedColumnsAsync(missing, runs, models));
        var moved = runs.Where(r => shared[(dagId, r.Run.Id)].VersionId != r.VersionId).Select(r => (dagId, r.Run.Id)).ToList();
        if (moved.Count > 0)
        {
            moved.ForEach(_columns.Remove);
            foreach (var (key, column) in await _columns.GetManyAsync(moved, missing => ReadSharedColumnsAsync(missing, runs, models)))
            {
                shared[key] = column;
            }
        }

        return shared.ToDictionary(c => c.Key.RunId, c => c.Value);
    }

    private async Task<Dictionary<(string DagId, long RunId), GridColumn>> ReadSharedColumnsAsync(
        IReadOnlyList<(string DagId, long RunId)> missing, List<WindowRun> runs, IReadOnlyDictionary<int, DagVersionModel> models)
    {
        var wanted = missing.Select(m => m.RunId).ToHashSet();
        await using var db = await _dbFactory.CreateDbContextAsync();
        var columns = await ReadColumnsAsync(db, runs.Where(r => wanted.Contains(r.Run.Id)).ToList(), models, CancellationToken.None);
        return missing.ToDictionary(m => m, m => columns[m.RunId]);
    }

    /// <summary>The cells of <paramref name="runs"/>, each in its version's task order, in one scan of ux_task_instance_run_task.</summary>
    private static async Task<Dictionary<long, GridColumn>> ReadColumnsAsync(
        DashboardDbContext db, List<WindowRun> runs, IReadOnlyDictionary<int, DagVersionModel> models, CancellationToken ct)
    {
        var orders = models.ToDictionary(m => m.Key, m => TaskOrder(m.Value));
        var builders = runs.ToDictionary(r => r.Run.Id, r => new ColumnBuilder(
            r.VersionId, r.VersionId is { } v ? orders[v] : null, r.VersionId is { } version ? models[version].Tasks.Count : 0));
        await db.ForEachRowAsync("""
                SELECT dag_run_id, task_id, state, note IS NOT NULL
                FROM task_instance
                WHERE dag_run_id = ANY(@runs)
                """,
            r => builders[r.GetInt64(0)].Add(
                r.GetString(1), GridCell.Of(r.IsDBNull(2) ? null : SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(2)), r.GetBoolean(3))),
            ct,
            P("runs", runs.Select(r => r.Run.Id).ToArray()));
        return builders.ToDictionary(b => b.Key, b => b.Value.Build());
    }

    private static Dictionary<string, int> TaskOrder(DagVersionModel model)
    {
        var order = new Dictionary<string, int>(model.Tasks.Count, StringComparer.Ordinal);
        for (var i = 0; i < model.Tasks.Count; i++)
        {
            order[model.Tasks[i].TaskId] = i;
        }

        return order;
    }

    /// <summary>The snapshot's tasks × runs matrix from the columns, through one task map per version.</summary>
    private static GridCell[] Assemble(
        List<WindowRun> runs, List<GridTask> tasks, IReadOnlyDictionary<int, DagVersionModel> models, Dictionary<long, GridColumn> columns)
    {
        var taskIndex = new Dictionary<string, int>(tasks.Count, StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++)
        {
            taskIndex[tasks[i].TaskId] = i;
        }

        var maps = models.ToDictionary(m => m.Key, m => m.Value.Tasks.Select(t => taskIndex[t.TaskId]).ToArray());
        var cells = new GridCell[tasks.Count * runs.Count];
        List<(int Run, string TaskId, GridCell Cell)>? strays = null;
        for (var run = 0; run < runs.Count; run++)
        {
            var column = columns[runs[run].Run.Id];
            if (column.VersionId is { } version)
            {
                var map = maps[version];
                for (var i = 0; i < column.Cells.Length; i++)
                {
                    cells[map[i] * runs.Count + run] = column.Cells[i];
                }
            }

            foreach (var (taskId, cell) in column.Extra)
            {
                if (taskIndex.TryGetValue(taskId, out var task))
                {
                    cells[task * runs.Count + run] = cell;
                }
                else
                {
                    (strays ??= []).Add((run, taskId, cell));
                }
            }
        }

        return strays is null ? cells : AddStrayRows(cells, strays, runs.Count, tasks, taskIndex);
    }

    /// <summary>A task instance of a task no version knows (should not happen) still gets a row rather than vanish.</summary>
    private static GridCell[] AddStrayRows(
        GridCell[] cells, List<(int Run, string TaskId, GridCell Cell)> strays, int runCount, List<GridTask> tasks, Dictionary<string, int> taskIndex)
    {
        foreach (var taskId in strays.Select(s => s.TaskId).Distinct())
        {
            taskIndex[taskId] = tasks.Count;
            tasks.Add(new GridTask(taskId, null));
        }

        var grown = new GridCell[tasks.Count * runCount];
        cells.CopyTo(grown, 0);
        foreach (var (run, taskId, cell) in strays)
        {
            grown[taskIndex[taskId] * runCount + run] = cell;
        }

        return grown;
    }

    private sealed record WindowRun(GridRun Run, int? VersionId);

    /// <summary>
    /// One run's cells: <see cref="Cells"/> in the order of its version's tasks (missing where the run
    /// has no instance), and <see cref="Extra"/> the instances of tasks that version does not have.
    /// </summary>
    private sealed record GridColumn(int? VersionId, GridCell[] Cells, (string TaskId, GridCell Cell)[] Extra)
    {
        public long Size => Cells.Length + 48L * Extra.Length + 64;
    }

    private sealed class ColumnBuilder(int? versionId, Dictionary<string, int>? order, int taskCount)
    {
        private readonly GridCell[] _cells = new GridCell[taskCount];
        private List<(string, GridCell)>? _extra;

        public void Add(string taskId, GridCell cell)
        {
            if (order is not null && order.TryGetValue(taskId, out var index))
            {
                _cells[index] = cell;
            }
            else
            {
                (_extra ??= []).Add((taskId, cell));
            }
        }

        public GridColumn Build() => new(versionId, _cells, _extra?.ToArray() ?? []);
    }
}
