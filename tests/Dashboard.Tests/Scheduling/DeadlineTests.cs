using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Operations.Clear;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Tests.Scheduling;

/// <summary>
/// Run deadlines: each run's deadline is fixed when it is created, from its DAG's; the scheduler
/// marks a run still unfinished past it once, with one deadline_missed notification, and the mark stays.
/// </summary>
public sealed class DeadlineTests
{
    /// <summary>No executor drives these runs unless a test asks: a scheduler pass alone leaves a bash task scheduled.</summary>
    private static string Dag(string deadline, string kind = "command: exit 0") => $$"""
        dag_id: timed
        schedule: null
        {{deadline}}
        notifications:
          on_deadline_missed: [ops]
        tasks:
          - {id: work, {{kind}}}
        """;

    [Fact]
    public async Task A_run_unfinished_past_its_deadline_is_marked_once_with_one_notification()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(Dag("deadline: {reference: queued_at, interval: 10m}"));
        await engine.TriggerAsync(dagId);
        await PassAsync(engine);
        var run = Assert.Single(await engine.RunsAsync(dagId));
        Assert.Equal(DagRunState.Running, run.State);
        Assert.Equal(TimeSpan.FromMinutes(10), run.DeadlineAt - run.QueuedAt);

        engine.Clock.Advance(TimeSpan.FromMinutes(9));
        await PassAsync(engine);
        Assert.Null(Assert.Single(await engine.RunsAsync(dagId)).DeadlineMissedAt);

        engine.Clock.Advance(TimeSpan.FromMinutes(2));
        var markedAt = engine.Clock.GetUtcNow();
        await PassAsync(engine);
        await PassAsync(engine);
        await PassAsync(engine);

        run = Assert.Single(await engine.RunsAsync(dagId));
        Assert.InRange(run.DeadlineMissedAt!.Value, markedAt, engine.Clock.GetUtcNow());
        Assert.Equal([(dagId, "ops")], await DeadlineNotificationsAsync(engine));
    }

    [Fact]
    public async Task A_run_that_finishes_before_its_deadline_met_it()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(Dag("deadline: {reference: run_after, interval: 10m}", kind: "kind: empty"));
        await engine.TriggerAsync(dagId);
        await engine.RunUntilRunsFinishedAsync(dagId);

        engine.Clock.Advance(TimeSpan.FromHours(1));
        await PassAsync(engine);

        var run = Assert.Single(await engine.RunsAsync(dagId));
        Assert.Equal((DagRunState.Success, null, true), (run.State, run.DeadlineMissedAt, run.MetDeadline));
        Assert.Empty(await DeadlineNotificationsAsync(engine));
    }

    [Fact]
    public async Task A_run_that_finishes_late_keeps_its_mark()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(Dag("deadline: {reference: queued_at, interval: 10m}"));
        var runId = await engine.TriggerAsync(dagId);
        await PassAsync(engine);
        engine.Clock.Advance(TimeSpan.FromMinutes(11));
        await PassAsync(engine);
        var missedAt = Assert.Single(await engine.RunsAsync(dagId)).DeadlineMissedAt;
        Assert.NotNull(missedAt);

        await engine.RunUntilRunsFinishedAsync(dagId);

        var run = Assert.Single(await engine.RunsAsync(dagId));
        Assert.Equal((runId, DagRunState.Success, missedAt, false), (run.RunId, run.State, run.DeadlineMissedAt, run.MetDeadline));
        Assert.Single(await DeadlineNotificationsAsync(engine));
    }

    [Fact]
    public async Task A_run_cleared_after_its_deadline_is_judged_against_the_deadline_it_had()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(Dag("deadline: {reference: queued_at, interval: 10m}"));
        var runId = await engine.TriggerAsync(dagId);
        await engine.RunUntilRunsFinishedAsync(dagId);
        var deadline = Assert.Single(await engine.RunsAsync(dagId)).DeadlineAt;

        engine.Clock.Advance(TimeSpan.FromMinutes(11));
        await engine.Services.GetRequiredService<ClearService>()
            .ExecuteAsync(ClearRequest.ForRun(dagId, runId, onlyFailed: false, Actors.Admin("alice")));
        await PassAsync(engine);

        var run = Assert.Single(await engine.RunsAsync(dagId));
        Assert.Equal((deadline, true), (run.DeadlineAt, run.DeadlineMissedAt is not null));
        Assert.Single(await DeadlineNotificationsAsync(engine));
    }

    [Fact]
    public async Task A_dag_without_a_deadline_gives_its_runs_none()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(Dag(""));
        await engine.TriggerAsync(dagId);
        await PassAsync(engine);

        engine.Clock.Advance(TimeSpan.FromDays(400));
        await PassAsync(engine);

        var run = Assert.Single(await engine.RunsAsync(dagId));
        Assert.Equal((DagRunState.Running, null, null), (run.State, run.DeadlineAt, run.DeadlineMissedAt));
        Assert.Empty(await DeadlineNotificationsAsync(engine));
    }

    [Fact]
    public async Task A_deadline_from_the_logical_date_applies_to_dated_runs_only()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(Dag("deadline: {reference: logical_date, interval: 2h}"));
        var day = new DataInterval(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero));
        await engine.CreateRunsAsync(dagId, EngineHarness.RunFor(DagRunType.Manual, day));
        var undated = await engine.TriggerAsync(dagId);
        await PassAsync(engine);

        var runs = await engine.RunsAsync(dagId);
        var dated = runs.Single(r => r.LogicalDate == day.Start);
        Assert.Equal(day.Start.AddHours(2), dated.DeadlineAt);
        Assert.NotNull(dated.DeadlineMissedAt); // 2024 is long past
        var manual = runs.Single(r => r.RunId == undated);
        Assert.Equal((null, null), (manual.DeadlineAt, manual.DeadlineMissedAt));
        Assert.Single(await DeadlineNotificationsAsync(engine));
    }

    [Fact]
    public async Task A_changed_deadline_applies_to_new_runs_only()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(Dag("deadline: {reference: queued_at, interval: 10m}"));
        var first = await engine.TriggerAsync(dagId);
        await engine.AddDagAsync(Dag("deadline: {reference: queued_at, interval: 3h}"));
        var second = await engine.TriggerAsync(dagId);

        var runs = await engine.RunsAsync(dagId);
        Assert.Equal(TimeSpan.FromMinutes(10), runs.Single(r => r.RunId == first).DeadlineAt - runs.Single(r => r.RunId == first).QueuedAt);
        Assert.Equal(TimeSpan.FromHours(3), runs.Single(r => r.RunId == second).DeadlineAt - runs.Single(r => r.RunId == second).QueuedAt);
    }

    private static Task PassAsync(EngineHarness engine) => engine.Scheduler.RunOnceAsync(CancellationToken.None);

    private static async Task<List<(string? DagId, string Channel)>> DeadlineNotificationsAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        return await db.QueryAsync("SELECT dag_id, channel FROM notification WHERE kind = @kind ORDER BY id",
            r => (r.IsDBNull(0) ? null : r.GetString(0), r.GetString(1)), CancellationToken.None, P("kind", "deadline_missed"));
    }
}
