using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Core.Queries;
using Dashboard.Testing;

namespace Dashboard.Tests.Queries;

/// <summary>Every category reads across all DAGs, so each test has a database of its own.</summary>
public sealed class NeedsAttentionQueryTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly AttentionThresholds Thresholds = new(QueuedRunAlertAfter: TimeSpan.FromMinutes(10), TaskHeartbeatTimeout: TimeSpan.FromSeconds(60));

    [Fact]
    public async Task A_quiet_installation_needs_no_attention()
    {
        var database = await DatabaseAsync();
        await using (var db = database.CreateContext())
        {
            await TestData.AddDagAsync(db, "quiet");
            await TestData.AddRunAsync(db, "quiet", "ok", DagRunState.Success, endDate: Now.AddMinutes(-5));
            await TestData.AddRunAsync(db, "quiet", "running", DagRunState.Running, startDate: Now.AddMinutes(-1));
        }

        var attention = await LoadAsync(database);

        Assert.True(attention.IsEmpty);
    }

    [Fact]
    public async Task Runs_that_failed_in_the_last_24_hours_are_listed_newest_first()
    {
        var database = await DatabaseAsync();
        await using (var db = database.CreateContext())
        {
            await TestData.AddDagAsync(db, "etl");
            await TestData.AddRunAsync(db, "etl", "failed_this_morning", DagRunState.Failed, endDate: Now.AddHours(-6));
            await TestData.AddRunAsync(db, "etl", "failed_just_now", DagRunState.Failed, endDate: Now.AddMinutes(-2));
            await TestData.AddRunAsync(db, "etl", "failed_last_week", DagRunState.Failed, endDate: Now.AddDays(-7));
        }

        var failed = (await LoadAsync(database)).FailedRuns;

        Assert.Equal(2, failed.Total);
        Assert.Equal([("failed_just_now", Now.AddMinutes(-2)), ("failed_this_morning", Now.AddHours(-6))],
            failed.Items.Select(i => (i.RunId, i.At!.Value)));
        Assert.All(failed.Items, i => Assert.Equal(("etl", null), (i.DagId, i.TaskId)));
    }

    [Fact]
    public async Task Each_category_lists_its_first_items_and_counts_the_rest()
    {
        var database = await DatabaseAsync();
        await using (var db = database.CreateContext())
        {
            await TestData.AddDagAsync(db, "flaky");
            for (var i = 1; i <= NeedsAttentionQuery.ItemsPerCategory + 3; i++)
            {
                await TestData.AddRunAsync(db, "flaky", $"failed_{i:00}", DagRunState.Failed, endDate: Now.AddMinutes(-i));
            }
        }

        var failed = (await LoadAsync(database)).FailedRuns;

        Assert.Equal((NeedsAttentionQuery.ItemsPerCategory + 3, 3), (failed.Total, failed.NotShown));
        Assert.Equal("failed_01", failed.Items[0].RunId);
    }

    [Fact]
    public async Task Task_instances_waiting_to_retry_are_listed_with_when_they_retry()
    {
        var database = await DatabaseAsync();
        await using (var db = database.CreateContext())
        {
            await TestData.AddDagAsync(db, "api_sync");
            var run = await TestData.AddRunAsync(db, "api_sync", "manual_1", DagRunState.Running, startDate: Now.AddMinutes(-3));
            await TestData.AddTaskInstanceAsync(db, run, "call_api", TaskInstanceState.UpForRetry, tryNumber: 1, retryAt: Now.AddSeconds(30));
            await TestData.AddTaskInstanceAsync(db, run, "load", null, tryNumber: 0);
            await TestData.AddTaskInstanceAsync(db, run, "other", TaskInstanceState.Failed, tryNumber: 2);
        }

        var retrying = (await LoadAsync(database)).Retrying;

        var item = Assert.Single(retrying.Items);
        Assert.Equal(("api_sync", "manual_1", "call_api", 1, Now.AddSeconds(30)), (item.DagId, item.RunId, item.TaskId, item.TryNumber, item.At));
    }

    [Fact]
    public async Task Runs_queued_longer_than_the_threshold_are_listed_except_backfill_runs_and_runs_not_yet_due()
    {
        var database = await DatabaseAsync();
        await using (var db = database.CreateContext())
        {
            var dag = await TestData.AddDagAsync(db, "waiting", paused: true);
            await TestData.AddRunAsync(db, "waiting", "queued_long", DagRunState.Queued, queuedAt: Now.AddMinutes(-25), runAfter: Now.AddMinutes(-25));
            await TestData.AddRunAsync(db, "waiting", "queued_briefly", DagRunState.Queued, queuedAt: Now.AddMinutes(-3), runAfter: Now.AddMinutes(-3));
            // Created long ago, but only allowed to start five minutes ago: not late yet.
            await TestData.AddRunAsync(db, "waiting", "due_lately", DagRunState.Queued, queuedAt: Now.AddHours(-2), runAfter: Now.AddMinutes(-5));
            var backfill = new Backfill { DagId = dag.DagId, FromDate = Now.AddDays(-9), ToDate = Now.AddDays(-2), CreatedAt = Now, UpdatedAt = Now };
            db.Backfills.Add(backfill);
            await db.SaveChangesAsync();
            await TestData.AddRunAsync(db, "waiting", "backfill_waiting_its_turn", DagRunState.Queued, DagRunType.Backfill,
                queuedAt: Now.AddHours(-1), runAfter: Now.AddHours(-1), backfillId: backfill.Id);
        }

        var queued = (await LoadAsync(database)).QueuedRuns;

        var item = Assert.Single(queued.Items);
        Assert.Equal(("queued_long", Now.AddMinutes(-25), true), (item.RunId, item.At, item.DagPaused));
    }

    [Fact]
    public async Task Running_tasks_silent_for_longer_than_the_heartbeat_timeout_are_listed_as_stuck()
    {
        var database = await DatabaseAsync();
        await using (var db = database.CreateContext())
        {
            await TestData.AddDagAsync(db, "long_job");
            var run = await TestData.AddRunAsync(db, "long_job", "manual_1", DagRunState.Running, startDate: Now.AddHours(-1));
            await TestData.AddTaskInstanceAsync(db, run, "silent", TaskInstanceState.Running, tryNumber: 2, lastHeartbeatAt: Now.AddMinutes(-5));
            await TestData.AddTaskInstanceAsync(db, run, "alive", TaskInstanceState.Running, lastHeartbeatAt: Now.AddSeconds(-5));
            await TestData.AddTaskInstanceAsync(db, run, "finished", TaskInstanceState.Success, lastHeartbeatAt: Now.AddMinutes(-30));
        }

        var stuck = (await LoadAsync(database)).StuckTasks;

        var item = Assert.Single(stuck.Items);
        Assert.Equal(("long_job", "manual_1", "silent", 2, Now.AddMinutes(-5)), (item.DagId, item.RunId, item.TaskId, item.TryNumber, item.At));
    }

    [Fact]
    public async Task The_report_says_when_the_clock_alone_next_changes_it()
    {
        var database = await DatabaseAsync();
        await using (var db = database.CreateContext())
        {
            await TestData.AddDagAsync(db, "clocked");
            // Leaves the last 24 h at Now + 3 h; becomes late at Now + 7 min; goes silent too long at Now + 50 s.
            await TestData.AddRunAsync(db, "clocked", "failed_yesterday", DagRunState.Failed, endDate: Now.AddHours(-21));
            await TestData.AddRunAsync(db, "clocked", "queued_briefly", DagRunState.Queued, queuedAt: Now.AddMinutes(-3), runAfter: Now.AddMinutes(-3));
            var run = await TestData.AddRunAsync(db, "clocked", "manual_1", DagRunState.Running, startDate: Now.AddMinutes(-1));
            await TestData.AddTaskInstanceAsync(db, run, "alive", TaskInstanceState.Running, lastHeartbeatAt: Now.AddSeconds(-10));
        }

        Assert.Equal(Now.AddSeconds(50), (await LoadAsync(database)).NextChangeAt);

        await using (var db = database.CreateContext())
        {
            await db.ExecuteAsync("UPDATE task_instance SET state = 'success'", CancellationToken.None);
        }

        Assert.Equal(Now.AddMinutes(7), (await LoadAsync(database)).NextChangeAt);

        await using (var db = database.CreateContext())
        {
            await db.ExecuteAsync("UPDATE dag_run SET state = 'success' WHERE run_id <> 'failed_yesterday'", CancellationToken.None);
        }

        Assert.Equal(Now.AddHours(3), (await LoadAsync(database)).NextChangeAt);
    }

    [Fact]
    public async Task Runs_that_missed_their_deadline_in_the_last_24_hours_are_listed_finished_or_not_until_they_age_out()
    {
        var database = await DatabaseAsync();
        await using (var db = database.CreateContext())
        {
            await TestData.AddDagAsync(db, "timed");
            await MissedAsync(db, await TestData.AddRunAsync(db, "timed", "late_and_running", DagRunState.Running), Now.AddMinutes(-30));
            await MissedAsync(db, await TestData.AddRunAsync(db, "timed", "late_then_done", DagRunState.Success, endDate: Now.AddMinutes(-5)), Now.AddHours(-2));
            await MissedAsync(db, await TestData.AddRunAsync(db, "timed", "late_last_week", DagRunState.Success), Now.AddDays(-7));
            var onTime = await TestData.AddRunAsync(db, "timed", "on_time", DagRunState.Running);
            await db.ExecuteAsync("UPDATE dag_run SET deadline_at = @at WHERE id = @id", CancellationToken.None,
                DbCommands.P("at", Now.AddHours(1)), DbCommands.P("id", onTime.Id));
        }

        var attention = await LoadAsync(database);

        Assert.False(attention.IsEmpty);
        Assert.Equal([("late_and_running", Now.AddMinutes(-31)), ("late_then_done", Now.AddHours(-2).AddMinutes(-1))],
            attention.MissedDeadlines.Items.Select(i => (i.RunId, i.At!.Value)));
        Assert.Equal(Now.AddHours(22), attention.NextChangeAt);
    }

    /// <summary>As the scheduler leaves a run found late a minute after its deadline.</summary>
    private static Task MissedAsync(DashboardDbContext db, DagRun run, DateTimeOffset foundAt) =>
        db.ExecuteAsync("UPDATE dag_run SET deadline_at = @due, deadline_missed_at = @found WHERE id = @id", CancellationToken.None,
            DbCommands.P("due", foundAt.AddMinutes(-1)), DbCommands.P("found", foundAt), DbCommands.P("id", run.Id));

    [Fact]
    public async Task Nothing_waits_on_the_clock_in_a_quiet_installation()
    {
        var database = await DatabaseAsync();
        await using (var db = database.CreateContext())
        {
            await TestData.AddDagAsync(db, "quiet");
            await TestData.AddRunAsync(db, "quiet", "ok", DagRunState.Success, endDate: Now.AddMinutes(-5));
        }

        Assert.Null((await LoadAsync(database)).NextChangeAt);
    }

    private static async Task<PostgresDatabaseFixture> DatabaseAsync()
    {
        var database = new PostgresDatabaseFixture();
        await database.InitializeAsync();
        return database;
    }

    private static Task<NeedsAttention> LoadAsync(PostgresDatabaseFixture database) =>
        new NeedsAttentionQuery(database.DbFactory, new FixedClock(Now)).LoadAsync(Thresholds);
}
