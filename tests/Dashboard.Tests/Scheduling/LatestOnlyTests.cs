using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Testing;

namespace Dashboard.Tests.Scheduling;

public sealed class LatestOnlyTests
{
    [Fact]
    public async Task Only_the_latest_scheduled_interval_and_manual_runs_pass_latest_only()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var today = engine.Today;
        var dagId = await engine.AddDagAsync($"""
            dag_id: report
            schedule: "@daily"
            start_date: {today.AddDays(-3):yyyy-MM-dd}
            catchup: true
            max_active_runs: 5
            tasks:
              - id: latest_only
                kind: latest_only
              - id: send
                upstream: latest_only
                command: exit 0
              - id: after_send
                upstream: send
                command: exit 0
              - id: build
                command: exit 0
            """, unpause: false);
        await engine.CreateRunsAsync(dagId, EngineHarness.RunFor(DagRunType.Manual, Day(today.AddDays(-10))));
        await engine.AddBackfillAsync(dagId, [Day(today.AddDays(-20))], maxActiveRuns: 1);
        await engine.UnpauseAsync(dagId);

        await engine.RunUntilRunsFinishedAsync(dagId, runs: 5);

        var runs = (await engine.StatesAsync(dagId)).ToDictionary(r => r.LogicalDate!.Value);
        Assert.Equal(5, runs.Count);
        Assert.All(runs.Values, run =>
        {
            Assert.Equal(DagRunState.Success, run.State);
            Assert.Equal(TaskInstanceState.Success, run["latest_only"]);
            Assert.Equal(TaskInstanceState.Success, run["build"]); // not downstream of latest_only
        });

        var latest = runs[today.AddDays(-1)];
        Assert.Equal((DagRunType.Scheduled, TaskInstanceState.Success), (latest.RunType, latest["send"]!.Value));
        Assert.Equal(TaskInstanceState.Success, latest["after_send"]);
        var manual = runs[today.AddDays(-10)];
        Assert.Equal((DagRunType.Manual, TaskInstanceState.Success), (manual.RunType, manual["send"]!.Value)); // old, yet never skipped

        foreach (var skipped in new[] { today.AddDays(-20), today.AddDays(-3), today.AddDays(-2) })
        {
            Assert.Equal(TaskInstanceState.Skipped, runs[skipped]["send"]);
            Assert.Equal(TaskInstanceState.Skipped, runs[skipped]["after_send"]); // the skip carries down the chain
        }

        Assert.Equal(DagRunType.Backfill, runs[today.AddDays(-20)].RunType);
    }

    private static DataInterval Day(DateTimeOffset start) => new(start, start.AddDays(1));
}
