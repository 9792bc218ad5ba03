using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Queries;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Queries;

public sealed class DagListQueryTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly DateTimeOffset Now = new(2025, 6, 15, 12, 0, 0, TimeSpan.Zero);

    private readonly DagListQuery _query = new(database.DbFactory, new FixedClock(Now));

    [Fact]
    public async Task The_next_run_follows_the_latest_scheduled_interval_and_manual_only_dags_have_none()
    {
        await using (var db = database.CreateContext())
        {
            await TestData.AddDagAsync(db, "next_daily", schedule: "@daily");
            await TestData.AddRunAsync(db, "next_daily", "scheduled__2025-06-14", DagRunState.Success, DagRunType.Scheduled,
                logicalDate: new DateTimeOffset(2025, 6, 14, 0, 0, 0, TimeSpan.Zero));
            // A later manual run is not what the timetable continues from.
            await TestData.AddRunAsync(db, "next_daily", "manual__2025-06-15", DagRunState.Success, DagRunType.Manual, runAfter: Now);
            await TestData.AddDagAsync(db, "next_manual", schedule: null);
        }

        var dags = await ListAsync("next_daily", "next_manual");

        Assert.Equal(new DataInterval(Day(15), Day(16)), dags["next_daily"].NextRun);
        Assert.Null(dags["next_manual"].NextRun);
    }

    [Fact]
    public async Task Without_scheduled_runs_and_without_catchup_the_next_run_is_the_latest_completed_interval()
    {
        await using (var db = database.CreateContext())
        {
            await TestData.AddDagAsync(db, "next_fresh", schedule: "@daily");
        }

        var dags = await ListAsync("next_fresh");

        Assert.Equal(new DataInterval(Day(14), Day(15)), dags["next_fresh"].NextRun);
    }

    [Fact]
    public async Task Failed_runs_count_when_they_ended_in_the_last_24_hours_and_running_runs_count_now()
    {
        await using (var db = database.CreateContext())
        {
            await TestData.AddDagAsync(db, "figures");
            await TestData.AddRunAsync(db, "figures", "failed_recently", DagRunState.Failed, endDate: Now.AddHours(-2));
            await TestData.AddRunAsync(db, "figures", "failed_long_ago", DagRunState.Failed, endDate: Now.AddHours(-30));
            await TestData.AddRunAsync(db, "figures", "running_1", DagRunState.Running, startDate: Now.AddMinutes(-5));
            await TestData.AddRunAsync(db, "figures", "running_2", DagRunState.Running, startDate: Now.AddMinutes(-1));
            await TestData.AddRunAsync(db, "figures", "queued", DagRunState.Queued);
            await TestData.AddRunAsync(db, "figures", "succeeded", DagRunState.Success, endDate: Now.AddHours(-1));
            await TestData.AddDagAsync(db, "figures_quiet");
        }

        var dags = await ListAsync("figures", "figures_quiet");

        Assert.Equal((1, 2), (dags["figures"].FailedLast24Hours, dags["figures"].RunningCount));
        Assert.Equal((0, 0), (dags["figures_quiet"].FailedLast24Hours, dags["figures_quiet"].RunningCount));
    }

    [Fact]
    public async Task A_dag_is_failing_when_its_latest_run_failed_whatever_failed_before()
    {
        await using (var db = database.CreateContext())
        {
            await TestData.AddDagAsync(db, "failing");
            await TestData.AddRunAsync(db, "failing", "ok", DagRunState.Success, runAfter: Now.AddHours(-2));
            await TestData.AddRunAsync(db, "failing", "broken", DagRunState.Failed, runAfter: Now.AddHours(-1));
            await TestData.AddDagAsync(db, "recovered");
            await TestData.AddRunAsync(db, "recovered", "broken", DagRunState.Failed, runAfter: Now.AddHours(-2));
            await TestData.AddRunAsync(db, "recovered", "ok", DagRunState.Success, runAfter: Now.AddHours(-1));
            await TestData.AddDagAsync(db, "never_ran");
        }

        var dags = await ListAsync("failing", "recovered", "never_ran");

        Assert.True(dags["failing"].IsFailing);
        Assert.False(dags["recovered"].IsFailing);
        Assert.False(dags["never_ran"].IsFailing);
        Assert.Equal(["broken", "ok"], dags["recovered"].RecentRuns.Select(r => r.RunId));
    }

    [Fact]
    public async Task Dags_whose_file_is_gone_are_not_listed()
    {
        await using (var db = database.CreateContext())
        {
            var dag = await TestData.AddDagAsync(db, "removed_file");
            dag.IsActive = false;
            await db.SaveChangesAsync();
        }

        Assert.DoesNotContain(await _query.ListAsync(), d => d.DagId == "removed_file");
    }

    [Fact]
    public async Task The_next_run_shown_is_the_run_the_scheduler_creates()
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
        var query = engine.Services.GetRequiredService<DagListQuery>();
        var shown = (await query.ListAsync()).Single(d => d.DagId == dagId).NextRun;

        await engine.Scheduler.RunOnceAsync(CancellationToken.None);

        var run = Assert.Single(await engine.RunsAsync(dagId));
        Assert.Equal(shown, new DataInterval(run.DataIntervalStart!.Value, run.DataIntervalEnd!.Value));
        Assert.Equal(new DataInterval(today, today.AddDays(1)), (await query.ListAsync()).Single(d => d.DagId == dagId).NextRun);
    }

    private async Task<Dictionary<string, DagSummary>> ListAsync(params string[] dagIds) =>
        (await _query.ListAsync()).Where(d => dagIds.Contains(d.DagId)).ToDictionary(d => d.DagId);

    private static DateTimeOffset Day(int day) => new(2025, 6, day, 0, 0, 0, TimeSpan.Zero);
}
