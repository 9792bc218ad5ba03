using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Tests.Queries;

/// <summary>
/// The DAG the Gantt and Durations query tests read: extract, then a grouped load that has retries,
/// then report. Tries are written with exact times, so a test states what the charts must show.
/// </summary>
internal static class TimelineDag
{
    public const string DagId = "timeline";

    public const string Yaml = """
        dag_id: timeline
        schedule: "@daily"
        start_date: 2026-01-01
        tasks:
          - {id: extract, command: exit 0}
          - {id: load, group: warehouse, upstream: extract, retries: 2, command: exit 0}
          - {id: report, upstream: load, command: exit 0}
        """;

    /// <summary>Midnight of the first day; each day's run goes at 01:00 that day.</summary>
    public static readonly DateTimeOffset Day0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static DataInterval Day(int day) => new(Day0.AddDays(day), Day0.AddDays(day + 1));

    /// <summary>The DAG (paused: nothing moves but what the test writes) and one daily run per day given; returns the run ids.</summary>
    public static async Task<List<string>> SeedAsync(EngineHarness engine, params int[] days)
    {
        await engine.AddDagAsync(Yaml, unpause: false);
        if (days.Length == 0)
        {
            return [];
        }

        var created = await engine.CreateRunsAsync(DagId, days.Select(d => EngineHarness.RunFor(DagRunType.Scheduled, Day(d))).ToArray());
        return [.. created.Keys.OrderBy(id => id, StringComparer.Ordinal)];
    }

    /// <summary>The run's state and times.</summary>
    public static async Task SetRunAsync(
        EngineHarness engine, string runId, DagRunState state, DateTimeOffset? queued, DateTimeOffset? start, DateTimeOffset? end)
    {
        await using var db = engine.CreateContext();
        await db.ExecuteAsync("""
            UPDATE dag_run SET state = @state, queued_at = @queued, start_date = @start, end_date = @end
            WHERE dag_id = @dag AND run_id = @run
            """, CancellationToken.None, P("state", SnakeCase.ToSnakeCase(state)), P("queued", queued), P("start", start), P("end", end),
            P("dag", DagId), P("run", runId));
    }

    /// <summary>The task instance's current try.</summary>
    public static async Task SetTryAsync(
        EngineHarness engine, string runId, string taskId, int tryNumber, TaskInstanceState? state,
        DateTimeOffset? queued, DateTimeOffset? start, DateTimeOffset? end)
    {
        await using var db = engine.CreateContext();
        await db.ExecuteAsync("""
            UPDATE task_instance ti SET state = @state, try_number = @try, queued_at = @queued, start_date = @start, end_date = @end
            FROM dag_run r WHERE r.id = ti.dag_run_id AND r.dag_id = @dag AND r.run_id = @run AND ti.task_id = @task
            """, CancellationToken.None, P("state", state is { } s ? SnakeCase.ToSnakeCase(s) : null), P("try", tryNumber),
            P("queued", queued), P("start", start), P("end", end), P("dag", DagId), P("run", runId), P("task", taskId));
    }

    /// <summary>An earlier, finished try, as history keeps it.</summary>
    public static async Task ArchiveTryAsync(
        EngineHarness engine, string runId, string taskId, int tryNumber, TaskInstanceState state, DateTimeOffset queued, DateTimeOffset start, DateTimeOffset end)
    {
        await using var db = engine.CreateContext();
        var instance = await db.TaskInstances.Where(t => t.DagId == DagId && t.TaskId == taskId)
            .Join(db.DagRuns.Where(r => r.RunId == runId), t => t.DagRunId, r => r.Id, (t, _) => t)
            .SingleAsync();
        db.TaskInstanceHistory.Add(new TaskInstanceHistory
        {
            TaskInstanceId = instance.Id, DagRunId = instance.DagRunId, DagId = DagId, TaskId = taskId, TryNumber = tryNumber, State = state,
            QueuedAt = queued, StartDate = start, EndDate = end, Duration = (end - start).TotalSeconds, RecordedAt = end,
        });
        await db.SaveChangesAsync();
    }
}
