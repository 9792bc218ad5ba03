using Dashboard.Core.Domain;
using Dashboard.Testing;

namespace Dashboard.Tests.Scheduling;

public sealed class CatchupTests
{
    [Fact]
    public async Task With_catchup_every_missed_interval_gets_a_run_one_after_another_within_max_active_runs()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var today = engine.Today;
        var dagId = await engine.AddDagAsync($"""
            dag_id: nightly
            schedule: "@daily"
            start_date: {today.AddDays(-3):yyyy-MM-dd}
            catchup: true
            max_active_runs: 1
            tasks:
              - id: load
                command: exit 0
            """);

        await engine.RunUntilRunsFinishedAsync(dagId, runs: 3);
        await engine.StepAsync(); // today's interval has not ended: nothing more is due

        var runs = await engine.RunsAsync(dagId);
        Assert.Equal([today.AddDays(-3), today.AddDays(-2), today.AddDays(-1)], runs.Select(r => r.LogicalDate!.Value));
        Assert.All(runs, r => Assert.Equal((DagRunType.Scheduled, DagRunState.Success), (r.RunType, r.State)));
        Assert.All(runs, r => Assert.Equal(r.LogicalDate!.Value.AddDays(1), r.DataIntervalEnd));
        for (var i = 1; i < runs.Count; i++)
        {
            // Created only once the one before had finished: max_active_runs 1 holds back creation, not only starting.
            Assert.True(runs[i].QueuedAt >= runs[i - 1].EndDate, $"run {i + 1} was created before run {i} finished");
        }
    }

    [Fact]
    public async Task Without_catchup_only_the_latest_interval_gets_a_run()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var today = engine.Today;
        var dagId = await engine.AddDagAsync($"""
            dag_id: nightly
            schedule: "@daily"
            start_date: {today.AddDays(-5):yyyy-MM-dd}
            catchup: false
            tasks:
              - id: load
                command: exit 0
            """);

        await engine.RunUntilRunsFinishedAsync(dagId);
        await engine.StepAsync();
        await engine.StepAsync();

        var run = Assert.Single(await engine.RunsAsync(dagId));
        Assert.Equal((today.AddDays(-1), today, DagRunState.Success), (run.DataIntervalStart!.Value, run.DataIntervalEnd!.Value, run.State));
    }
}
