using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Tests.Scheduling;

/// <summary>The queued → running gate: (DAG, backfill) budgets, ordering, and pauses.</summary>
public sealed class MaxActiveRunsTests
{
    private const string ManualDag = """
        dag_id: gate
        schedule: null
        max_active_runs: 1
        tasks:
          - id: work
            command: sleep 0.1
        """;

    [Fact]
    public async Task With_max_active_runs_1_queued_runs_run_one_at_a_time()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(ManualDag);
        for (var i = 0; i < 3; i++)
        {
            await engine.TriggerAsync(dagId);
        }

        await engine.StepAsync();
        Assert.Equal([DagRunState.Running, DagRunState.Queued, DagRunState.Queued], (await engine.RunsAsync(dagId)).Select(r => r.State));

        await engine.RunUntilRunsFinishedAsync(dagId, runs: 3);

        var runs = (await engine.RunsAsync(dagId)).OrderBy(r => r.StartDate).ToList();
        Assert.All(runs, r => Assert.Equal(DagRunState.Success, r.State));
        for (var i = 1; i < runs.Count; i++)
        {
            Assert.True(runs[i].StartDate >= runs[i - 1].EndDate, $"run {runs[i].RunId} started while {runs[i - 1].RunId} ran");
        }
    }

    [Fact]
    public async Task A_backfill_has_its_own_budget_and_starts_its_runs_in_sort_order()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(ManualDag);
        await engine.TriggerAsync(dagId);
        await engine.TriggerAsync(dagId);
        // Newest first, as a backwards backfill orders them: run_after order would pick the two oldest.
        var days = new[] { Day(engine.Today.AddDays(-10)), Day(engine.Today.AddDays(-11)), Day(engine.Today.AddDays(-12)) };
        await engine.AddBackfillAsync(dagId, days, maxActiveRuns: 2);

        await engine.Scheduler.RunOnceAsync(CancellationToken.None);

        var runs = await engine.RunsAsync(dagId);
        var regular = runs.Where(r => r.RunType == DagRunType.Manual).ToList();
        Assert.Equal([DagRunState.Running, DagRunState.Queued], regular.OrderBy(r => r.Id).Select(r => r.State));
        var backfill = runs.Where(r => r.BackfillId != null).ToDictionary(r => r.LogicalDate!.Value, r => r.State);
        Assert.Equal(DagRunState.Running, backfill[days[0].Start]);
        Assert.Equal(DagRunState.Running, backfill[days[1].Start]);
        Assert.Equal(DagRunState.Queued, backfill[days[2].Start]);
    }

    [Fact]
    public async Task A_paused_dag_starts_nothing()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(ManualDag, unpause: false);
        await engine.TriggerAsync(dagId);

        await engine.StepAsync();
        await engine.StepAsync();

        var run = Assert.Single(await engine.StatesAsync(dagId));
        Assert.Equal(DagRunState.Queued, run.State);
        Assert.Null(run["work"]);

        await engine.UnpauseAsync(dagId);
        await engine.RunUntilRunsFinishedAsync(dagId);
    }

    [Fact]
    public async Task A_paused_backfill_starts_none_of_its_runs_while_regular_runs_start()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(ManualDag);
        await engine.TriggerAsync(dagId);
        var backfillId = await engine.AddBackfillAsync(
            dagId, [Day(engine.Today.AddDays(-10)), Day(engine.Today.AddDays(-9))], maxActiveRuns: 2, paused: true);

        await engine.Scheduler.RunOnceAsync(CancellationToken.None);
        await engine.Scheduler.RunOnceAsync(CancellationToken.None);

        var runs = await engine.RunsAsync(dagId);
        Assert.Equal(DagRunState.Running, runs.Single(r => r.RunType == DagRunType.Manual).State);
        Assert.All(runs.Where(r => r.BackfillId == backfillId), r => Assert.Equal(DagRunState.Queued, r.State));

        await using (var db = engine.CreateContext())
        {
            await db.Backfills.Where(b => b.Id == backfillId).ExecuteUpdateAsync(s => s.SetProperty(b => b.IsPaused, false));
        }

        await engine.Scheduler.RunOnceAsync(CancellationToken.None);
        Assert.All((await engine.RunsAsync(dagId)).Where(r => r.BackfillId == backfillId), r => Assert.Equal(DagRunState.Running, r.State));
    }

    private static DataInterval Day(DateTimeOffset start) => new(start, start.AddDays(1));
}
