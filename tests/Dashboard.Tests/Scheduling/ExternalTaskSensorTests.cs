using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Queries;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Tests.Scheduling;

public sealed class ExternalTaskSensorTests
{
    /// <summary>The DAG waited on: <c>load</c> ends as its command says, then <c>check</c> runs.</summary>
    private static string Taxi(string loadCommand = "exit 0") => $"""
        dag_id: taxi
        schedule: null
        tasks:
          - id: load
            command: {loadCommand}
          - id: check
            upstream: load
            command: exit 0
        """;

    private static string Report(string sensorFields, string dagId = "report") => $"""
        dag_id: {dagId}
        schedule: null
        tasks:
          - id: wait_for_taxi
            kind: external_task
            external_dag_id: taxi
        {Indent(sensorFields)}
          - id: publish
            upstream: wait_for_taxi
            command: exit 0
        """;

    [Fact]
    public async Task A_sensor_waits_up_for_reschedule_on_one_try_without_an_executor_and_succeeds_when_the_task_does()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Taxi(), unpause: false);
        await engine.AddDagAsync(Report("""
            external_task_id: load
            poke_interval: 60s
            """));
        var day = Day(engine.Today.AddDays(-1));
        var runId = (await engine.CreateRunsAsync("report", EngineHarness.RunFor(DagRunType.Manual, day))).Keys.Single();

        await engine.StepAsync();
        var waiting = await engine.TaskInstanceAsync("report", runId, "wait_for_taxi");
        Assert.Equal((TaskInstanceState.UpForReschedule, 1), (waiting.State!.Value, waiting.TryNumber));
        Assert.NotNull(waiting.StartDate);
        Assert.Equal(waiting.StartDate + TimeSpan.FromSeconds(60), waiting.RetryAt);
        Assert.Null(waiting.ExecutorId); // never handed to an executor
        Assert.Equal($"taxi.load at {day.Start:yyyy-MM-dd}T00:00:00Z: no run yet; next check at {waiting.RetryAt:yyyy-MM-dd'T'HH:mm:ss}Z",
            Assert.Single(await engine.LogAsync(waiting.Id, 1)));

        await engine.StepAsync(); // not due yet: no second check
        Assert.Single(await engine.LogAsync(waiting.Id, 1));

        // The stored link: who waits on taxi.load (a clear that follows links across DAGs starts here).
        await using (var db = engine.CreateContext())
        {
            Assert.Equal(new WaitingTask("report", "wait_for_taxi", "load", TimeSpan.Zero),
                Assert.Single(await CrossDagLinks.WaitingOnAsync(db, "taxi", "load", CancellationToken.None)));
            Assert.Empty(await CrossDagLinks.WaitingOnAsync(db, "taxi", "check", CancellationToken.None));
        }

        await engine.CreateRunsAsync("taxi", EngineHarness.RunFor(DagRunType.Manual, day));
        await engine.UnpauseAsync("taxi");
        await engine.RunUntilRunsFinishedAsync("taxi");
        Assert.Equal(TaskInstanceState.UpForReschedule, (await engine.TaskInstanceAsync("report", runId, "wait_for_taxi")).State);

        engine.Clock.Advance(TimeSpan.FromSeconds(61));
        await engine.RunUntilRunsFinishedAsync("report");

        var run = Assert.Single(await engine.StatesAsync("report"));
        Assert.Equal((DagRunState.Success, TaskInstanceState.Success), (run.State, run["publish"]!.Value));
        var done = await engine.TaskInstanceAsync("report", runId, "wait_for_taxi");
        Assert.Equal((TaskInstanceState.Success, 1), (done.State!.Value, done.TryNumber)); // a wait keeps its try, as in Airflow
        Assert.Equal(waiting.StartDate, done.StartDate);
        Assert.Empty(await engine.HistoryAsync(done.Id));
        Assert.EndsWith("taxi.load at " + $"{day.Start:yyyy-MM-dd}T00:00:00Z: success: allowed, done", (await engine.LogAsync(done.Id, 1))[^1]);
    }

    [Theory]
    [InlineData("", TaskInstanceState.Failed)]
    [InlineData("soft_fail: true", TaskInstanceState.Skipped)]
    [InlineData("failed_states: [upstream_failed]\nskipped_states: [failed]", TaskInstanceState.Skipped)]
    public async Task A_task_waited_on_reaching_a_failed_or_skipped_state_fails_or_skips_the_sensor(string fields, TaskInstanceState expected)
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Taxi("exit 1"));
        await engine.AddDagAsync(Report("external_task_id: load\n" + fields));
        var day = Day(engine.Today.AddDays(-1));
        await engine.CreateRunsAsync("taxi", EngineHarness.RunFor(DagRunType.Manual, day));
        await engine.RunUntilRunsFinishedAsync("taxi");
        await engine.CreateRunsAsync("report", EngineHarness.RunFor(DagRunType.Manual, day));

        await engine.RunUntilRunsFinishedAsync("report");

        var run = Assert.Single(await engine.StatesAsync("report"));
        Assert.Equal(expected, run["wait_for_taxi"]);
        Assert.Equal(expected == TaskInstanceState.Failed ? TaskInstanceState.UpstreamFailed : TaskInstanceState.Skipped, run["publish"]);
        Assert.Equal(expected == TaskInstanceState.Failed ? DagRunState.Failed : DagRunState.Success, run.State);
    }

    [Theory]
    [InlineData("", TaskInstanceState.Failed)]
    [InlineData("soft_fail: true", TaskInstanceState.Skipped)]
    public async Task A_sensor_gives_up_after_its_timeout_counted_from_its_first_check(string fields, TaskInstanceState expected)
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Taxi(), unpause: false);
        await engine.AddDagAsync(Report("poke_interval: 10m\ntimeout: 5m\n" + fields));
        var runId = (await engine.CreateRunsAsync("report", EngineHarness.RunFor(DagRunType.Manual, Day(engine.Today.AddDays(-1))))).Keys.Single();

        await engine.StepAsync();
        var waiting = await engine.TaskInstanceAsync("report", runId, "wait_for_taxi");
        Assert.Equal(TaskInstanceState.UpForReschedule, waiting.State);
        Assert.Equal(waiting.StartDate + TimeSpan.FromMinutes(5), waiting.RetryAt); // the last check is at the timeout, not past it

        engine.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await engine.RunUntilRunsFinishedAsync("report");

        var gaveUp = await engine.TaskInstanceAsync("report", runId, "wait_for_taxi");
        Assert.Equal((expected, 1), (gaveUp.State!.Value, gaveUp.TryNumber));
        Assert.Contains("gave up after the timeout of 00:05:00", (await engine.LogAsync(gaveUp.Id, 1))[^1]);
    }

    [Fact]
    public async Task Without_a_task_the_whole_run_counts_and_execution_delta_looks_that_far_back()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Taxi());
        await engine.AddDagAsync(Report("execution_delta: 1d"));
        var today = Day(engine.Today.AddDays(-1));
        var yesterday = Day(engine.Today.AddDays(-2));
        await engine.CreateRunsAsync("taxi", EngineHarness.RunFor(DagRunType.Manual, yesterday));
        await engine.RunUntilRunsFinishedAsync("taxi");
        var runId = (await engine.CreateRunsAsync("report", EngineHarness.RunFor(DagRunType.Manual, today))).Keys.Single();

        await engine.RunUntilRunsFinishedAsync("report");

        var sensor = await engine.TaskInstanceAsync("report", runId, "wait_for_taxi");
        Assert.Equal(TaskInstanceState.Success, sensor.State);
        Assert.Equal($"taxi at {yesterday.Start:yyyy-MM-dd}T00:00:00Z: run manual__{yesterday.Start:yyyy-MM-dd}T00:00:00+00:00 success: allowed, done",
            Assert.Single(await engine.LogAsync(sensor.Id, 1)));
    }

    [Fact]
    public async Task Twenty_waiting_sensors_hold_no_slot_so_the_dags_other_tasks_run_with_parallelism_two()
    {
        await using var engine = await EngineHarness.CreateAsync(parallelism: 2);
        await engine.AddDagAsync(Taxi(), unpause: false);
        var sensors = string.Join("\n", Enumerable.Range(0, 20).Select(i => $"""
              - id: wait_{i:00}
                kind: external_task
                external_dag_id: taxi
                external_task_id: load
            """));
        var work = string.Join("\n", Enumerable.Range(0, 4).Select(i => $"""
              - id: work_{i}
                command: exit 0
            """));
        await engine.AddDagAsync($"""
            dag_id: busy
            schedule: null
            max_active_tasks: 4
            tasks:
            {sensors}
            {work}
            """);
        var runId = (await engine.CreateRunsAsync("busy", EngineHarness.RunFor(DagRunType.Manual, Day(engine.Today.AddDays(-1))))).Keys.Single();

        await engine.RunUntilAsync(async () => (await engine.StatesAsync("busy")).Single().Tasks
            .Where(t => t.Key.StartsWith("work_", StringComparison.Ordinal)).All(t => t.Value == TaskInstanceState.Success));

        var run = Assert.Single(await engine.StatesAsync("busy"));
        Assert.Equal(DagRunState.Running, run.State);
        Assert.All(run.Tasks.Where(t => t.Key.StartsWith("wait_", StringComparison.Ordinal)),
            t => Assert.Equal(TaskInstanceState.UpForReschedule, t.Value));
        Assert.Equal(runId, run.RunId);
    }

    [Fact]
    public async Task Another_engine_on_the_same_database_carries_on_with_a_waiting_sensor()
    {
        await using var first = await EngineHarness.CreateAsync();
        await first.AddDagAsync(Taxi(), unpause: false);
        await first.AddDagAsync(Report("external_task_id: check\npoke_interval: 30s"));
        var day = Day(first.Today.AddDays(-1));
        var runId = (await first.CreateRunsAsync("report", EngineHarness.RunFor(DagRunType.Manual, day))).Keys.Single();
        await first.StepAsync();
        var waiting = await first.TaskInstanceAsync("report", runId, "wait_for_taxi");
        Assert.Equal(TaskInstanceState.UpForReschedule, waiting.State);

        // The first engine is gone (it keeps nothing in memory that the wait needs); a new one takes over.
        await using var second = first.AddInstance();
        await second.CreateRunsAsync("taxi", EngineHarness.RunFor(DagRunType.Manual, day));
        await second.UnpauseAsync("taxi");
        await second.RunUntilRunsFinishedAsync("taxi");
        second.Clock.Advance(TimeSpan.FromSeconds(31));
        await second.RunUntilRunsFinishedAsync("report");

        var done = await second.TaskInstanceAsync("report", runId, "wait_for_taxi");
        Assert.Equal((TaskInstanceState.Success, 1, waiting.StartDate), (done.State!.Value, done.TryNumber, done.StartDate));
        Assert.Equal(2, (await second.LogAsync(done.Id, 1)).Count);
        await using var db = second.CreateContext();
        Assert.Equal(DagRunState.Success, await db.DagRuns.Where(r => r.DagId == "report").Select(r => r.State).SingleAsync());
    }

    private static DataInterval Day(DateTimeOffset start) => new(start, start.AddDays(1));

    private static string Indent(string fields) =>
        string.Join("\n", fields.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => "    " + line));
}
