using Dashboard.Core.Domain;
using Dashboard.Core.Observability;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Tests.Observability;

/// <summary>What the real scheduler and executor measure as a DAG runs: each finish counted once, by state and DAG.</summary>
public sealed class EngineMetricsTests
{
    [Fact]
    public async Task A_task_that_succeeds_is_counted_once_with_its_duration_and_its_run()
    {
        await using var engine = await EngineHarness.CreateAsync();
        using var recorded = new RecordedMeasurements(engine.Services.GetRequiredService<DashboardMetrics>().Meter);
        var dagId = await engine.AddDagAsync("""
            dag_id: measured
            schedule: null
            tasks:
              - id: work
                command: echo working
              - id: skipped_after
                upstream: work
                trigger_rule: all_failed
                command: echo never
            """);
        await engine.TriggerAsync(dagId);

        await engine.RunUntilRunsFinishedAsync(dagId);
        await engine.StepAsync(); // a pass after the end finds nothing more to count

        var dag = ("dag_id", dagId);
        Assert.Equal([1.0], recorded.Of("dashboard.task_instance.finished", ("state", "success"), dag));
        Assert.Single(recorded.Of("dashboard.task_instance.duration", ("state", "success"), dag));
        Assert.Equal([1.0], recorded.Of("dashboard.task_instance.finished", ("state", "skipped"), dag));
        Assert.Equal([1.0], recorded.Of("dashboard.dag_run.finished", ("state", "success"), dag));
        Assert.Empty(recorded.Of("dashboard.task_instance.finished", ("state", "failed")));
        Assert.NotEmpty(recorded.Of("dashboard.scheduler.loop.duration"));
        // The executor took a slot for the try and gave it back.
        Assert.Equal(0, recorded.Of("dashboard.executor.slots.in_use").Sum());
    }

    [Fact]
    public async Task A_failed_try_with_a_retry_left_counts_as_up_for_retry_and_the_last_one_as_failed()
    {
        await using var engine = await EngineHarness.CreateAsync();
        using var recorded = new RecordedMeasurements(engine.Services.GetRequiredService<DashboardMetrics>().Meter);
        var dagId = await engine.AddDagAsync("""
            dag_id: measured_failure
            schedule: null
            tasks:
              - id: flaky
                retries: 1
                retry_delay: 1h
                command: exit 1
            """);
        var runId = await engine.TriggerAsync(dagId);

        await engine.RunUntilTaskStateAsync(dagId, runId, "flaky", TaskInstanceState.UpForRetry);
        engine.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await engine.RunUntilRunsFinishedAsync(dagId);

        var dag = ("dag_id", dagId);
        Assert.Equal([1.0], recorded.Of("dashboard.task_instance.finished", ("state", "up_for_retry"), dag));
        Assert.Equal([1.0], recorded.Of("dashboard.task_instance.finished", ("state", "failed"), dag));
        Assert.Equal(2, recorded.Of("dashboard.task_instance.duration", dag).Count);
        Assert.Equal([1.0], recorded.Of("dashboard.dag_run.finished", ("state", "failed"), dag));
        Assert.Empty(recorded.Of("dashboard.task_instance.finished", ("state", "success")));
    }

    [Fact]
    public async Task The_queue_depth_is_what_the_scheduler_last_counted_waiting_for_an_executor()
    {
        await using var engine = await EngineHarness.CreateAsync();
        using var recorded = new RecordedMeasurements(engine.Services.GetRequiredService<DashboardMetrics>().Meter);
        var dagId = await engine.AddDagAsync("""
            dag_id: queued_up
            schedule: null
            tasks:
              - id: first
                command: echo first
              - id: second
                command: echo second
            """);
        await engine.TriggerAsync(dagId);

        await engine.Scheduler.RunOnceAsync(CancellationToken.None); // starts the run and schedules both; no executor claims them
        recorded.ReadGauges();

        Assert.Equal([2.0], recorded.Of("dashboard.task_instance.queue_depth", ("state", "scheduled")));
        Assert.Equal([0.0], recorded.Of("dashboard.task_instance.queue_depth", ("state", "queued")));
    }

    [Fact]
    public async Task Tries_recovered_from_a_dead_executor_count_by_what_they_became_and_a_never_started_one_not_at_all()
    {
        await using var engine = await EngineHarness.CreateAsync();
        using var recorded = new RecordedMeasurements(engine.Services.GetRequiredService<DashboardMetrics>().Meter);
        var dagId = await engine.AddDagAsync("""
            dag_id: orphaned_measured
            schedule: null
            tasks:
              - id: with_retry
                retries: 1
                retry_delay: 1h
                command: exit 0
              - id: without_retry
                command: exit 0
              - id: queued
                command: exit 0
            """);
        await engine.TriggerAsync(dagId);
        var lastSeen = engine.Clock.GetUtcNow() - TimeSpan.FromHours(1);
        await using (var db = engine.CreateContext())
        {
            // As a SIGKILLed executor leaves its tries: claimed, heartbeats long stopped.
            await db.ExecuteAsync("""
                UPDATE dag_run SET state = 'running', start_date = @seen WHERE dag_id = @dag;
                UPDATE task_instance
                SET state = CASE WHEN task_id = 'queued' THEN 'queued' ELSE 'running' END, try_number = 1,
                    executor_id = 'gone-host:4242:dead', hostname = 'gone-host', start_date = @seen, last_heartbeat_at = @seen
                WHERE dag_id = @dag
                """, CancellationToken.None, P("dag", dagId), P("seen", lastSeen));
        }

        await engine.Scheduler.RunOnceAsync(CancellationToken.None);

        var dag = ("dag_id", dagId);
        Assert.Equal([1.0], recorded.Of("dashboard.task_instance.finished", ("state", "up_for_retry"), dag));
        Assert.Equal([1.0], recorded.Of("dashboard.task_instance.finished", ("state", "failed"), dag));
        Assert.Equal(2, recorded.Of("dashboard.task_instance.finished", dag).Count);
    }
}
