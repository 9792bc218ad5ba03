using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Queries;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Tests.Scheduling;

public sealed class TriggerDagTests
{
    private static string Child(string command = "exit 0") => $"""
        dag_id: child
        schedule: null
        tasks:
          - id: work
            command: {command}
        """;

    private static string Parent(string triggerFields) => $"""
        dag_id: parent
        schedule: null
        tasks:
          - id: kick
            kind: trigger_dag
            trigger_dag_id: child
        {string.Join("\n", triggerFields.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => "    " + line))}
        """;

    [Fact]
    public async Task Without_waiting_it_creates_the_run_with_its_templated_conf_and_the_link_back_and_succeeds()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Child(), unpause: false);
        await engine.AddDagAsync(Parent("""conf: {month: "{{ ds }}", size: 3, from: "{{ dag.dag_id }}"}"""));
        var day = Day(engine.Today.AddDays(-1));
        var parentRun = (await engine.CreateRunsAsync("parent", EngineHarness.RunFor(DagRunType.Manual, day))).Keys.Single();

        await engine.RunUntilRunsFinishedAsync("parent");

        var kick = await engine.TaskInstanceAsync("parent", parentRun, "kick");
        Assert.Equal((TaskInstanceState.Success, 1), (kick.State!.Value, kick.TryNumber));
        Assert.Null(kick.ExecutorId);
        await using var db = engine.CreateContext();
        var created = await db.DagRuns.AsNoTracking().SingleAsync(r => r.DagId == "child");
        Assert.Equal((DagRunType.Manual, DagRunTriggeredBy.Operator, day.Start, DagRunState.Queued),
            (created.RunType, created.TriggeredBy, created.LogicalDate!.Value, created.State));
        Assert.Equal(("parent", parentRun, "kick"), (created.TriggeringDagId, created.TriggeringRunId, created.TriggeringTaskId));
        Assert.Equal($$"""{"from": "parent", "size": 3, "month": "{{day.Start:yyyy-MM-dd}}"}""", created.Conf);
        Assert.Contains("child is paused", Assert.Single(await engine.LogAsync(kick.Id, 1)));
        Assert.Equal(("child", created.RunId), Assert.Single(await CrossDagLinks.TriggeredByAsync(db, "parent", parentRun, "kick", CancellationToken.None)));
    }

    [Theory]
    [InlineData("exit 0", TaskInstanceState.Success)]
    [InlineData("exit 1", TaskInstanceState.Failed)]
    public async Task With_wait_for_completion_it_waits_up_for_reschedule_and_takes_the_runs_outcome(string childCommand, TaskInstanceState expected)
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Child(childCommand));
        await engine.AddDagAsync(Parent("wait_for_completion: true\npoke_interval: 10s\nlogical_date: none"));
        var parentRun = await engine.TriggerAsync("parent");

        await engine.RunUntilAsync(async () => (await engine.RunsAsync("child")).Any(r => r.State.IsFinished()));
        var waiting = await engine.TaskInstanceAsync("parent", parentRun, "kick");
        Assert.Equal((TaskInstanceState.UpForReschedule, 1), (waiting.State!.Value, waiting.TryNumber));
        var child = Assert.Single(await engine.RunsAsync("child"));
        Assert.Null(child.LogicalDate);

        engine.Clock.Advance(TimeSpan.FromSeconds(11));
        await engine.RunUntilRunsFinishedAsync("parent");

        var done = await engine.TaskInstanceAsync("parent", parentRun, "kick");
        Assert.Equal((expected, 1), (done.State!.Value, done.TryNumber));
        Assert.EndsWith($"child run {child.RunId}: {(expected == TaskInstanceState.Success ? "success: allowed, done" : "failed: a failed state")}",
            (await engine.LogAsync(done.Id, 1))[^1]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_run_already_at_the_logical_date_is_cleared_and_run_again_or_fails_the_task(bool reset)
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Child());
        await engine.AddDagAsync(Parent($"reset_dag_run: {(reset ? "true" : "false")}"));
        var day = Day(engine.Today.AddDays(-1));
        await engine.CreateRunsAsync("child", EngineHarness.RunFor(DagRunType.Manual, day));
        await engine.RunUntilRunsFinishedAsync("child");
        var parentRun = (await engine.CreateRunsAsync("parent", EngineHarness.RunFor(DagRunType.Manual, day))).Keys.Single();

        await engine.RunUntilRunsFinishedAsync("parent");
        await engine.RunUntilRunsFinishedAsync("child");

        var kick = await engine.TaskInstanceAsync("parent", parentRun, "kick");
        await using var db = engine.CreateContext();
        var child = await db.DagRuns.AsNoTracking().SingleAsync(r => r.DagId == "child");
        var work = await engine.TaskInstanceAsync("child", child.RunId, "work");
        if (reset)
        {
            Assert.Equal(TaskInstanceState.Success, kick.State);
            Assert.Equal((1, DagRunState.Success, "parent"), (child.ClearNumber, child.State, child.TriggeringDagId));
            Assert.Equal((TaskInstanceState.Success, 2), (work.State!.Value, work.TryNumber));
        }
        else
        {
            Assert.Equal(TaskInstanceState.Failed, kick.State);
            Assert.Contains("child already has a run at", Assert.Single(await engine.LogAsync(kick.Id, 1)));
            Assert.Equal((0, (string?)null, 1), (child.ClearNumber, child.TriggeringDagId, work.TryNumber));
        }
    }

    [Fact]
    public async Task A_missing_dag_or_an_unknown_template_name_fails_the_try_naming_it()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Child());
        await engine.AddDagAsync("""
            dag_id: parent
            schedule: null
            tasks:
              - id: to_nowhere
                kind: trigger_dag
                trigger_dag_id: nowhere
              - id: bad_conf
                kind: trigger_dag
                trigger_dag_id: child
                conf: {month: "{{ no_such_thing }}"}
            """);
        var parentRun = await engine.TriggerAsync("parent");

        await engine.RunUntilRunsFinishedAsync("parent");

        var nowhere = await engine.TaskInstanceAsync("parent", parentRun, "to_nowhere");
        Assert.Equal(TaskInstanceState.Failed, nowhere.State);
        Assert.Contains("there is no DAG 'nowhere'", Assert.Single(await engine.LogAsync(nowhere.Id, 1)));
        var badConf = await engine.TaskInstanceAsync("parent", parentRun, "bad_conf");
        Assert.Equal(TaskInstanceState.Failed, badConf.State);
        Assert.Contains("no_such_thing", Assert.Single(await engine.LogAsync(badConf.Id, 1)));
        Assert.Empty(await engine.RunsAsync("child"));
    }

    private static DataInterval Day(DateTimeOffset start) => new(start, start.AddDays(1));
}
