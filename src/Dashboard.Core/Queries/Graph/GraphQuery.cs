using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Queries.Graph;

/// <summary>A run as the graph's run picker lists it.</summary>
public sealed record GraphRun(long Id, string RunId, DagRunType RunType, DagRunState State, DateTimeOffset? LogicalDate, DateTimeOffset RunAfter, int? VersionId)
{
    /// <summary>The date a person recognises the run by: its logical date, or when it ran if it has none.</summary>
    public DateTimeOffset Date => LogicalDate ?? RunAfter;
}

/// <summary>
/// What the Graph view shows: the version drawn (the selected run's, or the DAG's current one),
/// the newest runs to pick from, and the selected run's task-instance states.
/// </summary>
/// <param name="Run">The run whose states colour the graph; null when the DAG has no runs, or the one asked for does not exist.</param>
/// <param name="MissingRunId">The run asked for that the DAG does not have; null when none was asked for or it exists.</param>
/// <param name="States">By task id, for the tasks that have an instance in <see cref="Run"/> (null: no status).</param>
public sealed record GraphSnapshot(
    string DagId,
    DagVersionModel? Version,
    IReadOnlyList<GraphRun> Runs,
    GraphRun? Run,
    string? MissingRunId,
    IReadOnlyDictionary<string, TaskInstanceState?> States);

/// <summary>
/// Reads a <see cref="GraphSnapshot"/> in three or four small statements; the version's tasks come
/// from <see cref="DagVersionCache"/> and its drawing from <see cref="GraphLayoutCache"/>, so a live
/// reload after a state change reads only the states.
/// </summary>
public sealed class GraphQuery(IDbContextFactory<DashboardDbContext> dbFactory, DagVersionCache versions)
{
    /// <summary>How many of the newest runs the run picker offers (an older run still opens by its id in the URL).</summary>
    public const int PickerRuns = 50;

    /// <param name="runId">The run to colour the graph with; the newest when null.</param>
    /// <returns>Null when the DAG does not exist.</returns>
    public async Task<GraphSnapshot?> LoadAsync(string dagId, string? runId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var dag = await db.QueryAsync("SELECT current_version_id FROM dag WHERE dag_id = @dag",
            r => new { CurrentVersionId = r.NullableField<int?>(0) }, ct, P("dag", dagId));
        if (dag.Count == 0)
        {
            return null;
        }

        const string columns = "id, run_id, run_type, state, logical_date, run_after, dag_version_id";
        var runs = await db.QueryAsync(
            $"SELECT {columns} FROM dag_run WHERE dag_id = @dag ORDER BY run_after DESC, id DESC LIMIT @limit",
            ReadRun, ct, P("dag", dagId), P("limit", PickerRuns));
        var run = runId is null
            ? runs.FirstOrDefault()
            : runs.FirstOrDefault(r => r.RunId == runId)
              ?? (await db.QueryAsync($"SELECT {columns} FROM dag_run WHERE dag_id = @dag AND run_id = @run", ReadRun, ct,
                  P("dag", dagId), P("run", runId))).FirstOrDefault();

        var versionId = run?.VersionId ?? dag[0].CurrentVersionId;
        var version = versionId is { } id ? await versions.GetAsync(db, id, ct) : null;
        var states = new Dictionary<string, TaskInstanceState?>(StringComparer.Ordinal);
        if (run is not null)
        {
            await db.ForEachRowAsync("SELECT task_id, state FROM task_instance WHERE dag_run_id = @run",
                r => states[r.GetString(0)] = r.IsDBNull(1) ? null : SnakeCase.ParseSnakeCase<TaskInstanceState>(r.GetString(1)),
                ct, P("run", run.Id));
        }

        return new GraphSnapshot(dagId, version, runs, run, runId is not null && run is null ? runId : null, states);
    }

    private static GraphRun ReadRun(System.Data.Common.DbDataReader r) => new(
        r.GetInt64(0), r.GetString(1), SnakeCase.ParseSnakeCase<DagRunType>(r.GetString(2)), SnakeCase.ParseSnakeCase<DagRunState>(r.GetString(3)),
        r.NullableField<DateTimeOffset?>(4), r.GetFieldValue<DateTimeOffset>(5), r.NullableField<int?>(6));
}
