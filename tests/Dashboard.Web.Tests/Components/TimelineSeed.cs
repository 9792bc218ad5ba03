using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Web.Tests.Components;

/// <summary>Times for <see cref="PipelineDag"/>'s runs and tries, written as they would be after the engine ran them.</summary>
internal static class TimelineSeed
{
    public static async Task RunAsync(EngineHarness engine, string run, DagRunState state, DateTimeOffset? queued, DateTimeOffset? start, DateTimeOffset? end)
    {
        await using var db = engine.CreateContext();
        await db.ExecuteAsync("""
            UPDATE dag_run SET state = @state, queued_at = @queued, start_date = @start, end_date = @end
            WHERE dag_id = @dag AND run_id = @run
            """, CancellationToken.None, P("state", SnakeCase.ToSnakeCase(state)), P("queued", queued), P("start", start), P("end", end),
            P("dag", PipelineDag.DagId), P("run", PipelineDag.Runs[run]));
    }

    public static async Task TryAsync(
        EngineHarness engine, string run, string task, int tryNumber, TaskInstanceState? state, DateTimeOffset? queued, DateTimeOffset? start, DateTimeOffset? end)
    {
        await using var db = engine.CreateContext();
        await db.ExecuteAsync("""
            UPDATE task_instance ti SET state = @state, try_number = @try, queued_at = @queued, start_date = @start, end_date = @end
            FROM dag_run r WHERE r.id = ti.dag_run_id AND r.dag_id = @dag AND r.run_id = @run AND ti.task_id = @task
            """, CancellationToken.None, P("state", state is { } s ? SnakeCase.ToSnakeCase(s) : null), P("try", tryNumber),
            P("queued", queued), P("start", start), P("end", end), P("dag", PipelineDag.DagId), P("run", PipelineDag.Runs[run]), P("task", task));
    }

    public static async Task ArchivedTryAsync(
        EngineHarness engine, string run, string task, int tryNumber, TaskInstanceState state, DateTimeOffset queued, DateTimeOffset start, DateTimeOffset end)
    {
        await using var db = engine.CreateContext();
        await db.ExecuteAsync("""
            INSERT INTO task_instance_history (task_instance_id, dag_run_id, dag_id, task_id, try_number, state, max_tries, queued_at, start_date, end_date, recorded_at)
            SELECT ti.id, ti.dag_run_id, ti.dag_id, ti.task_id, @try, @state, 0, @queued, @start, @end, @end
            FROM task_instance ti JOIN dag_run r ON r.id = ti.dag_run_id
            WHERE r.dag_id = @dag AND r.run_id = @run AND ti.task_id = @task
            """, CancellationToken.None, P("try", tryNumber), P("state", SnakeCase.ToSnakeCase(state)), P("queued", queued), P("start", start),
            P("end", end), P("dag", PipelineDag.DagId), P("run", PipelineDag.Runs[run]), P("task", task));
    }

    /// <summary>The id of a run, as change notifications carry it.</summary>
    public static async Task<long> RunKeyAsync(EngineHarness engine, string run)
    {
        await using var db = engine.CreateContext();
        return (await db.QueryAsync("SELECT id FROM dag_run WHERE dag_id = @dag AND run_id = @run", r => r.GetInt64(0), CancellationToken.None,
            P("dag", PipelineDag.DagId), P("run", PipelineDag.Runs[run])))[0];
    }
}
