using System.Data.Common;
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
/// Builds a <see cref="GridSnapshot"/> in three reads: the run window, the merged task structure of
/// the versions those runs used, and every (run, task) state of the window in one scan of
/// ux_task_instance_run_task. Cells go straight from the reader into a dense array: no entity
/// tracking, no per-cell objects, so the model costs little more than reading the rows.
/// </summary>
public sealed class GridQuery(IDbContextFactory<DashboardDbContext> dbFactory, TimeProvider time)
{
    /// <returns>Null when the DAG does not exist.</returns>
    public async Task<GridSnapshot?> LoadAsync(GridRequest request, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var dag = await db.Dags.AsNoTracking().Where(d => d.DagId == request.DagId)
            .Select(d => new { d.CurrentVersionId }).SingleOrDefaultAsync(ct);
        if (dag is null)
        {
            return null;
        }

        var (runs, versionIds, hasOlder) = await ReadRunsAsync(db, request, ct);
        if (dag.CurrentVersionId is { } current)
        {
            versionIds.Insert(0, current);
        }

        var tasks = await ReadStructureAsync(db, versionIds, ct);
        var cells = await ReadCellsAsync(db, runs, tasks, ct);
        return new GridSnapshot(request.DagId, runs, tasks, cells, hasOlder, time.GetUtcNow());
    }

    /// <summary>One run as the run panel shows it; null when the DAG has no such run.</summary>
    public async Task<DagRun?> RunAsync(string dagId, string runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.DagRuns.AsNoTracking().SingleOrDefaultAsync(r => r.DagId == dagId && r.RunId == runId, ct);
    }

    private static async Task<(List<GridRun> Runs, List<int> VersionIds, bool HasOlder)> ReadRunsAsync(
        DashboardDbContext db, GridRequest request, CancellationToken ct)
    {
        var rows = await db.QueryAsync("""
                SELECT id, run_id, run_type, state, logical_date, run_after, start_date, end_date, backfill_id, dag_version_id
                FROM dag_run
                WHERE dag_id = @dag
                  AND (@type::text IS NULL OR run_type = @type)
                  AND (@state::text IS NULL OR state = @state)
                ORDER BY run_after DESC, id DESC
                OFFSET @offset LIMIT @limit
                """,
            r => (Run: new GridRun(
                    r.GetInt64(0), r.GetString(1), SnakeCase.ParseSnakeCase<DagRunType>(r.GetString(2)),
                    SnakeCase.ParseSnakeCase<DagRunState>(r.GetString(3)), r.NullableField<DateTimeOffset?>(4),
                    r.GetFieldValue<DateTimeOffset>(5), r.NullableField<DateTimeOffset?>(6), r.NullableField<DateTimeOffset?>(7),
                    r.NullableField<int?>(8)),
                VersionId: r.NullableField<int?>(9)),
            ct,
            P("dag", request.DagId),
            P("type", request.RunType is { } type ? SnakeCase.ToSnakeCase(type) : null),
            P("state", request.RunState is { } state ? SnakeCase.ToSnakeCase(state) : null),
            P("offset", Math.Max(0, request.Offset)),
            // One more than shown says whether older runs exist without counting them all.
            P("limit", request.Limit + 1));
        var hasOlder = rows.Count > request.Limit;
        var window = rows.Take(request.Limit).Reverse().ToList();
        var versionIds = window.Select(r => r.VersionId).OfType<int>().Distinct().ToList();
        return (window.Select(r => r.Run).ToList(), versionIds, hasOlder);
    }

    /// <summary>
    /// The current version's tasks in its topological order, then tasks only older versions had
    /// (removed since, but still in some visible run), so every task instance on screen has a row.
    /// </summary>
    private static async Task<List<GridTask>> ReadStructureAsync(DashboardDbContext db, List<int> versionIds, CancellationToken ct)
    {
        if (versionIds.Count == 0)
        {
            return [];
        }

        var rows = await db.QueryAsync("""
                SELECT t.task_id, t.group_id
                FROM dag_task t
                JOIN unnest(@versions) WITH ORDINALITY AS wanted(version_id, rank) ON wanted.version_id = t.dag_version_id
                ORDER BY wanted.rank, t.ordinal
                """,
            r => new GridTask(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1)),
            ct,
            P("versions", versionIds.ToArray()));
        var seen = new HashSet<string>(rows.Count);
        return rows.Where(t => seen.Add(t.TaskId)).ToList();
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
                SELECT dag_run_id, task_id, state, try_number, start_date, end_date
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
        r.IsDBNull(5) ? 0 : r.GetFieldValue<DateTimeOffset>(5).UtcTicks);
}
