using Dashboard.Core.Domain;
using Dashboard.Testing;

namespace Dashboard.Tests.Scheduling;

public sealed class RetryTests
{
    [Fact]
    public async Task A_failed_try_waits_for_its_retry_delay_and_then_runs_as_the_next_try()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: flaky
            schedule: null
            tasks:
              - id: call_api
                retries: 1
                retry_delay: 1h
                command: |
                  echo "try $TRY_NUMBER"
                  [ "$TRY_NUMBER" -ge 2 ]
            """);
        var runId = await engine.TriggerAsync(dagId);

        await engine.RunUntilTaskStateAsync(dagId, runId, "call_api", TaskInstanceState.UpForRetry);
        var waiting = await engine.TaskInstanceAsync(dagId, runId, "call_api");
        Assert.Equal(1, waiting.TryNumber);
        Assert.Equal(waiting.EndDate + TimeSpan.FromHours(1), waiting.RetryAt);

        for (var i = 0; i < 3; i++)
        {
            await engine.StepAsync();
        }

        var stillWaiting = await engine.TaskInstanceAsync(dagId, runId, "call_api");
        Assert.Equal((TaskInstanceState.UpForRetry, 1), (stillWaiting.State!.Value, stillWaiting.TryNumber));

        engine.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await engine.RunUntilRunsFinishedAsync(dagId);

        var done = await engine.TaskInstanceAsync(dagId, runId, "call_api");
        Assert.Equal((TaskInstanceState.Success, 2), (done.State!.Value, done.TryNumber));
        Assert.Equal(DagRunState.Success, Assert.Single(await engine.RunsAsync(dagId)).State);

        // The first try is archived as Airflow's history records an unfinished try: failed.
        var history = Assert.Single(await engine.HistoryAsync(done.Id));
        Assert.Equal((1, TaskInstanceState.Failed), (history.TryNumber, history.State!.Value));
        Assert.Contains("try 1", await engine.LogAsync(done.Id, 1));
        Assert.Contains(await engine.LogAsync(done.Id, 1), line => line.StartsWith("Exited with code 1", StringComparison.Ordinal));
        Assert.Contains("try 2", await engine.LogAsync(done.Id, 2));
    }

    [Fact]
    public async Task Without_retries_a_failed_try_fails_the_task_and_the_run()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: fragile
            schedule: null
            tasks:
              - id: call_api
                retries: 0
                command: exit 3
              - id: load
                upstream: call_api
                command: exit 0
            """);
        var runId = await engine.TriggerAsync(dagId);

        await engine.RunUntilRunsFinishedAsync(dagId);

        var run = Assert.Single(await engine.StatesAsync(dagId));
        Assert.Equal(DagRunState.Failed, run.State);
        Assert.Equal(TaskInstanceState.UpstreamFailed, run["load"]);
        var failed = await engine.TaskInstanceAsync(dagId, runId, "call_api");
        Assert.Equal((TaskInstanceState.Failed, 1), (failed.State!.Value, failed.TryNumber));
        Assert.Empty(await engine.HistoryAsync(failed.Id));
    }
}
