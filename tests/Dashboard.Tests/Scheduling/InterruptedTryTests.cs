using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Core.Processes;
using Dashboard.Testing;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Tests.Scheduling;

/// <summary>Tries that do not end on their own: timed out, cleared while running, or orphaned by a dead executor.</summary>
public sealed class InterruptedTryTests
{
    [Fact]
    public async Task A_try_past_its_execution_timeout_is_killed_with_its_whole_process_tree_and_fails()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: slow
            schedule: null
            default_args:
              execution_timeout: 1s
            tasks:
              - id: with_retry
                retries: 1
                retry_delay: 1h
                command: |
                  sleep 30 &
                  echo $! > "$DASHBOARD_DATA_DIR/with_retry.pid"
                  wait
              - id: without_retry
                retries: 0
                command: |
                  sleep 30 &
                  echo $! > "$DASHBOARD_DATA_DIR/without_retry.pid"
                  wait
            """);
        var runId = await engine.TriggerAsync(dagId);

        await engine.RunUntilAsync(async () => (await engine.StatesAsync(dagId))[0].Tasks.Values.All(s => s is TaskInstanceState.UpForRetry or TaskInstanceState.Failed));

        var retried = await engine.TaskInstanceAsync(dagId, runId, "with_retry");
        Assert.Equal((TaskInstanceState.UpForRetry, 1), (retried.State!.Value, retried.TryNumber));
        Assert.Equal(retried.EndDate + TimeSpan.FromHours(1), retried.RetryAt); // the task's own failure: the usual delay applies
        var failed = await engine.TaskInstanceAsync(dagId, runId, "without_retry");
        Assert.Equal((TaskInstanceState.Failed, 1), (failed.State!.Value, failed.TryNumber));

        foreach (var ti in new[] { retried, failed })
        {
            Assert.Contains(await engine.LogAsync(ti.Id, 1), line => line.StartsWith("Timed out: the execution_timeout of 1 s passed", StringComparison.Ordinal));
            var sleepPid = await ReadPidAsync(engine, $"{ti.TaskId}.pid");
            Assert.True(await ProcessProbe.EndsWithinAsync(sleepPid, TimeSpan.FromSeconds(5)), $"the background sleep (pid {sleepPid}) of {ti.TaskId} survived the timeout");
        }
    }

    [Fact]
    public async Task A_running_try_set_to_restarting_is_killed_and_retried_whatever_its_retries()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: restart
            schedule: null
            tasks:
              - id: work
                retries: 0
                command: |
                  echo "try $TRY_NUMBER"
                  if [ "$TRY_NUMBER" -ge 2 ]; then exit 0; fi
                  sleep 30 &
                  echo $! > "$DASHBOARD_DATA_DIR/work.pid"
                  wait
            """);
        var runId = await engine.TriggerAsync(dagId);
        var pidFile = Path.Combine(engine.DataDirectory, "work.pid");
        await engine.RunUntilAsync(async () => File.Exists(pidFile) && (await engine.TaskInstanceAsync(dagId, runId, "work")).State == TaskInstanceState.Running);
        var ti = await engine.TaskInstanceAsync(dagId, runId, "work");

        // What a clear of a running task does to it.
        await using (var db = engine.CreateContext())
        {
            await db.ExecuteAsync("UPDATE task_instance SET state = 'restarting' WHERE id = @id", CancellationToken.None, P("id", ti.Id));
        }

        // The executor alone: its heartbeat sees the restart and kills the try, which goes up for retry although retries is 0.
        await engine.ExecuteUntilAsync(async () => (await engine.TaskInstanceAsync(dagId, runId, "work")).State != TaskInstanceState.Restarting);
        var interrupted = await engine.TaskInstanceAsync(dagId, runId, "work");
        Assert.Equal((TaskInstanceState.UpForRetry, 1, 0), (interrupted.State!.Value, interrupted.TryNumber, interrupted.MaxTries));
        var sleepPid = await ReadPidAsync(engine, "work.pid");
        Assert.True(await ProcessProbe.EndsWithinAsync(sleepPid, TimeSpan.FromSeconds(5)), $"the background sleep (pid {sleepPid}) survived the kill");

        await engine.RunUntilRunsFinishedAsync(dagId);

        var done = await engine.TaskInstanceAsync(dagId, runId, "work");
        Assert.Equal((TaskInstanceState.Success, 2), (done.State!.Value, done.TryNumber));
        Assert.Equal(DagRunState.Success, Assert.Single(await engine.RunsAsync(dagId)).State);
        Assert.Equal([(1, TaskInstanceState.Failed)], (await engine.HistoryAsync(done.Id)).Select(h => (h.TryNumber, h.State!.Value)));
        Assert.Contains(await engine.LogAsync(done.Id, 1), line => line.Contains("cleared while running", StringComparison.Ordinal));
        Assert.Contains("try 2", await engine.LogAsync(done.Id, 2));
    }

    [Fact]
    public async Task Tries_of_a_dead_executor_are_recovered_by_the_next_scheduler_pass()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: orphaned
            schedule: null
            default_args:
              retry_delay: 1h
            tasks:
              - id: running_with_retry
                retries: 1
                command: exit 0
              - id: running_without_retry
                retries: 0
                command: exit 0
              - id: restarting
                retries: 0
                command: exit 0
              - id: queued
                retries: 0
                command: exit 0
            """);
        var runId = await engine.TriggerAsync(dagId);
        var lastSeen = engine.Clock.GetUtcNow() - TimeSpan.FromHours(1);
        await using (var db = engine.CreateContext())
        {
            // As an executor leaves its tries when it is SIGKILLed: claimed, one try used, heartbeats long stopped.
            await db.ExecuteAsync("""
                UPDATE dag_run SET state = 'running', start_date = @seen WHERE dag_id = @dag;
                UPDATE task_instance
                SET state = CASE WHEN task_id IN ('restarting', 'queued') THEN task_id ELSE 'running' END,
                    try_number = 1, executor_id = 'gone-host:4242:dead', hostname = 'gone-host', pid = 4242,
                    scheduled_at = @seen, queued_at = @seen, start_date = CASE WHEN task_id <> 'queued' THEN @seen END,
                    last_heartbeat_at = @seen
                WHERE dag_id = @dag
                """, CancellationToken.None, P("dag", dagId), P("seen", lastSeen));
        }

        await engine.Scheduler.RunOnceAsync(CancellationToken.None);

        var withRetry = await engine.TaskInstanceAsync(dagId, runId, "running_with_retry");
        Assert.Equal((TaskInstanceState.UpForRetry, 1), (withRetry.State!.Value, withRetry.TryNumber));
        Assert.True(withRetry.RetryAt > engine.Clock.GetUtcNow(), "a lost try is the task's failure: its retry delay applies");
        var withoutRetry = await engine.TaskInstanceAsync(dagId, runId, "running_without_retry");
        Assert.Equal((TaskInstanceState.Failed, 1), (withoutRetry.State!.Value, withoutRetry.TryNumber));
        // A restarting try is retried at once whatever its retries: the same pass already scheduled its next try.
        var restarting = await engine.TaskInstanceAsync(dagId, runId, "restarting");
        Assert.Equal((TaskInstanceState.Scheduled, 2), (restarting.State!.Value, restarting.TryNumber));
        Assert.Equal([(1, TaskInstanceState.Failed)], (await engine.HistoryAsync(restarting.Id)).Select(h => (h.TryNumber, h.State!.Value)));
        var queued = await engine.TaskInstanceAsync(dagId, runId, "queued");
        Assert.Equal((TaskInstanceState.Scheduled, 1), (queued.State!.Value, queued.TryNumber));
        Assert.Null(queued.ExecutorId);

        foreach (var (ti, state) in new[] { (withRetry, "up_for_retry"), (withoutRetry, "failed") })
        {
            var line = Assert.Single(await engine.LogAsync(ti.Id, 1));
            Assert.StartsWith("No heartbeat from this try's executor since", line, StringComparison.Ordinal);
            Assert.EndsWith($"The task instance is now {state}.", line, StringComparison.Ordinal);
        }

        Assert.Empty(await engine.LogAsync(queued.Id, 1));

        // The queued try never started, so it runs as the same try.
        await engine.RunUntilTaskStateAsync(dagId, runId, "queued", TaskInstanceState.Success);
        var ran = await engine.TaskInstanceAsync(dagId, runId, "queued");
        Assert.Equal(1, ran.TryNumber);
        Assert.Empty(await engine.HistoryAsync(ran.Id));
    }

    [Fact]
    public async Task Tries_of_an_executor_on_this_host_whose_process_has_ended_are_recovered_without_waiting_for_the_heartbeat_timeout()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: crashed
            schedule: null
            tasks:
              - id: ended_here
                retries: 1
                command: exit 0
              - id: alive_here
                retries: 1
                command: exit 0
              - id: elsewhere
                retries: 1
                command: exit 0
            """);
        var runId = await engine.TriggerAsync(dagId);
        var ended = await ProcessProbe.EndedProcessAsync();
        var executors = new Dictionary<string, string>
        {
            ["ended_here"] = $"{Environment.MachineName}:{ended}:a", // its pid may be reused by now: the start time tells
            ["alive_here"] = $"{Environment.MachineName}:{LocalProcess.Current}:b",
            ["elsewhere"] = $"another-host:{ended}:c",
        };
        await using (var db = engine.CreateContext())
        {
            foreach (var (taskId, executor) in executors)
            {
                // Heart-beating a moment ago, well inside the timeout.
                await db.ExecuteAsync("""
                    UPDATE task_instance
                    SET state = 'running', try_number = 1, executor_id = @executor, hostname = split_part(@executor, ':', 1),
                        start_date = @now, last_heartbeat_at = @now
                    WHERE dag_id = @dag AND task_id = @task
                    """, CancellationToken.None, P("dag", dagId), P("task", taskId), P("executor", executor), P("now", engine.Clock.GetUtcNow()));
            }
        }

        await engine.Scheduler.RunOnceAsync(CancellationToken.None);

        var recovered = await engine.TaskInstanceAsync(dagId, runId, "ended_here");
        Assert.Equal(TaskInstanceState.UpForRetry, recovered.State);
        var line = Assert.Single(await engine.LogAsync(recovered.Id, 1));
        Assert.Equal($"This try's executor on {Environment.MachineName} has ended without finishing it (the app stopped or was killed). " +
                     "The task instance is now up_for_retry.", line);
        Assert.Equal(TaskInstanceState.Running, (await engine.TaskInstanceAsync(dagId, runId, "alive_here")).State);
        Assert.Equal(TaskInstanceState.Running, (await engine.TaskInstanceAsync(dagId, runId, "elsewhere")).State);
    }

    private static async Task<int> ReadPidAsync(EngineHarness engine, string fileName) =>
        int.Parse((await File.ReadAllTextAsync(Path.Combine(engine.DataDirectory, fileName))).Trim(), System.Globalization.CultureInfo.InvariantCulture);
}
