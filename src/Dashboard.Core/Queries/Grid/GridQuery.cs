using System.Data.Common;
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

/// <summary>
/// Builds a <see cref="GridSnapshot"/> in two round trips: the DAG with its run window, then every
/// (run, task) state of the window, with whether it has a note, in one scan of ux_task_instance_run_task. The tasks of the
/// versions those runs used come from <see cref="DagVersionCache"/>, because a version's tasks never
/// change (a changed DAG file adds a version). Cells go straight from the reader into a dense array:
/// no entity tracking, no per-cell objects, so the model costs little more than reading the rows.
/// </summary>
public sealed class GridQuery(IDbContextFactory<DashboardDbContext> dbFactory, DagVersionCache versions, TimeProvider time)
{
    /// <returns>Null when the DAG does not exist.</returns>
    public async Task<GridSnapshot?> LoadAsync(GridRequest request, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await ReadRunsAsync(db, request, ct) is not { } window)
        {
            return null;
        }

        var (runs, versionIds, hasOlder) = window;
        var tasks = await ReadStructureAsync(db, versionIds, ct);
        var cells = await ReadCellsAsync(db, runs, tasks, ct);
        return new GridSnapshot(request.DagId, runs, tasks, cells, hasOlder, time.GetUtcNow());
    }

    /// <summary>One run as the run panel shows it, with the DAG version it is on; null when the DAG has no such run.</summary>
    public async Task<(DagRun Run, DagVersionModel? Version)?> RunAsync(string dagId, string runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var run = await db.DagRuns.AsNoTracking().SingleOrDefaultAsync(r => r.DagId == dagId && r.RunId == runId, ct);
        return run is null ? null : (run, run.DagVersionId is { } version ? await versions.GetAsync(db, version, ct) : null);
    }

    /// <summary>
    /// The run window, oldest first, and the versions whose tasks make the rows: the DAG's current
    /// version, then those of the runs in view. One statement, so the DAG's existence costs no round trip of its own.
    /// </summary>
    /// <returns>Null when the DAG does not exist.</returns>
    private static async Task<(List<GridRun> Runs, List<int> VersionIds, bool HasOlder)?> ReadRunsAsync(
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
                Run: r.IsDBNull(1) ? null : new GridRun(
                    r.GetInt64(1), r.GetString(2), SnakeCase.ParseSnakeCase<DagRunType>(r.GetString(3)),
                    SnakeCase.ParseSnakeCase<DagRunState>(r.GetString(4)), r.NullableField<DateTimeOffset?>(5),
                    r.GetFieldValue<DateTimeOffset>(6), r.NullableField<DateTimeOffset?>(7), r.NullableField<DateTimeOffset?>(8),
                    r.NullableField<int?>(9), r.NullableField<int?>(11), r.GetBoolean(12), r.NullableField<DateTimeOffset?>(13)),
                VersionId: r.NullableField<int?>(10)),
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
        var found = rows.Where(r => r.Run is not null).ToList();
        var hasOlder = found.Count > request.Limit;
        var window = found.Take(request.Limit).Reverse().ToList();
        var versionIds = window.Select(r => r.VersionId).OfType<int>().Distinct().ToList();
        if (rows[0].CurrentVersionId is { } current)
        {
            versionIds.Insert(0, current);
        }

        return (window.Select(r => r.Run!).ToList(), versionIds, hasOlder);
    }

    /// <summary>
    /// The current version's tasks in its topological order, then tasks only older versions had
    /// (removed since, but still in some visible run), so every task instance on screen has a row.
    /// </summary>
    private async Task<List<GridTask>> ReadStructureAsync(DashboardDbContext db, List<int> versionIds, CancellationToken ct)
    {
        if (versionIds.Count == 0)
        {
            return [];
        }

        var models = await versions.GetAsync(db, versionIds, ct);
        var tasks = new List<GridTask>(models.Values.Max(m => m.Tasks.Count));
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

    private static async Task<GridCell[]> ReadCellsAsync(DashboardDbContext db, List<GridRun> runs, List<GridTask> tasks, CancellationToken ct)
    {
        var runIndex = new Dictionary<long, int>(runs.Count);
        for (var i = 0; i < runs.Count; i++)
        {
            runIndex[runs[i].Id] = i;
        }

        var taskIndex = new Dictionary<string, int>(tasks.Count);
        for (var i = 0; i < tasks.Count; i++)
        {
            taskIndex[tasks[i].TaskId] = i;
        }

        var cells = new GridCell[tasks.Count * runs.Count];
        List<(int Run, string TaskId, GridCell Cell)>? strays = null;
        await db.ForEachRowAsync("""
                SELECT dag_run_id, task_id, state, try_number, start_date, end_date, note IS NOT NULL
                FROM task_instance
                WHERE dag_run_id = ANY(@runs)
                """,
            r =>
            {
                var run = runIndex[r.GetInt64(0)];
                var taskId = r.GetString(1);
                if (taskIndex.TryGetValue(taskId, out var task))
                {
                    cells[task * runs.Count + run] = ReadCell(r);
                }
                else
                {
                    (strays ??= []).Add((run, taskId, ReadCell(r)));
                }
            },
            ct,
            P("runs", runs.Select(r => r.Id).ToArray()));
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

    private static GridCell ReadCell(DbDataReader r) => new(
        GridCell.CodeOf(r.IsDBNull(2) ? null : SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(2))),
        (short)r.GetInt32(3),
        r.IsDBNull(4) ? 0 : r.GetFieldValue<DateTimeOffset>(4).UtcTicks,
        r.IsDBNull(5) ? 0 : r.GetFieldValue<DateTimeOffset>(5).UtcTicks,
        r.GetBoolean(6));
}
