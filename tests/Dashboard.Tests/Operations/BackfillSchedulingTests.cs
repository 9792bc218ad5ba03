using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Backfill;
using Dashboard.Core.Operations.Clear;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Operations;

/// <summary>
/// Backfills created by <see cref="BackfillService"/> as the real scheduler and executor run them:
/// start order, their own max_active_runs, pause, cancel and completion. The gate's budgets on
/// hand-made backfill rows are in <c>MaxActiveRunsTests</c>.
/// </summary>
public sealed class BackfillSchedulingTests
{
    /// <summary>Catchup off: unpaused, the timetable makes one scheduled run, for yesterday, next to the backfill's.</summary>
    private const string SlowDag = """
        dag_id: slow
        schedule: "@daily"
        start_date: 2020-01-01
        max_active_runs: 1
        tasks:
          - id: work
            command: sleep 0.3
        """;

    private const string QuickDag = """
        dag_id: quick
        schedule: "@daily"
        start_date: 2020-01-01
        tasks:
          - {id: a, kind: empty}
          - {id: b, kind: empty, upstream: a}
        """;

    [Fact]
    public async Task With_max_active_runs_1_no_two_backfill_runs_overlap_and_the_scheduled_run_does_not_wait_for_them()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(SlowDag);
        var created = await Service(engine).CreateAsync(Request(dagId, engine.Today.AddDays(-5), engine.Today.AddDays(-3)));

        await engine.StepAsync();

        var runs = await engine.RunsAsync(dagId);
        var scheduled = Assert.Single(runs, r => r.RunType == DagRunType.Scheduled);
        Assert.Equal((engine.Today.AddDays(-1), DagRunState.Running), (scheduled.LogicalDate, scheduled.State));
        Assert.Equal([DagRunState.Running, DagRunState.Queued, DagRunState.Queued], runs.Where(r => r.BackfillId == created.Id).Select(r => r.State));

        var mostRunning = 0;
        await engine.RunUntilAsync(async () =>
        {
            var backfillRuns = (await engine.RunsAsync(dagId)).Where(r => r.BackfillId == created.Id).ToList();
            mostRunning = Math.Max(mostRunning, backfillRuns.Count(r => r.State == DagRunState.Running));
            return backfillRuns.All(r => r.State.IsFinished());
        });

        Assert.Equal(1, mostRunning);
        var finished = (await engine.RunsAsync(dagId)).Where(r => r.BackfillId == created.Id).ToList();
        Assert.All(finished, r => Assert.Equal(DagRunState.Success, r.State));
        for (var i = 1; i < finished.Count; i++)
        {
            Assert.True(finished[i].StartDate >= finished[i - 1].EndDate, $"{finished[i].RunId} started while {finished[i - 1].RunId} ran");
        }
    }

    [Fact]
    public async Task A_backfill_of_all_runs_after_the_command_changed_re_runs_every_month_with_the_new_command()
    {
        const string monthly = """
            dag_id: monthly
            schedule: "@monthly"
            start_date: 2024-01-01
            tasks:
              - id: ingest
                command: echo "{{ ds }} old logic" >> "$DASHBOARD_DATA_DIR/monthly.txt"
            """;
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(monthly);
        await engine.PauseAsync(dagId); // only the backfills' runs
        var (january, march) = (new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var first = await Service(engine).CreateAsync(Request(dagId, january, march) with { UnpauseDag = true });
        await engine.RunUntilAsync(async () => await CompletedAsync(engine, first.Id));

        // The lead fixes the logic in the file, then re-runs every month of it.
        engine.WriteDagFile($"{dagId}.yaml", monthly.Replace("old logic", "new logic", StringComparison.Ordinal));
        await engine.ProcessDagFilesAsync();
        var second = await Service(engine).CreateAsync(Request(dagId, january, march) with { Reprocess = ReprocessBehavior.Completed, UnpauseDag = true });
        Assert.Equal((0, 3), (second.Created, second.Rerun));
        await engine.RunUntilAsync(async () => await CompletedAsync(engine, second.Id));
        var months = (await engine.RunsAsync(dagId)).Where(r => r.LogicalDate <= march).ToList();
        Assert.All(months, r => Assert.Equal((DagRunState.Success, second.Id), (r.State, r.BackfillId)));

        // The runs of the range only: unpaused, the DAG also ran its latest month on schedule.
        var output = (await File.ReadAllLinesAsync(Path.Combine(engine.DataDirectory, "monthly.txt")))
            .Where(line => string.CompareOrdinal(line, "2024-04") < 0).ToList();
        Assert.Equal(
            ["2024-01-01 old logic", "2024-02-01 old logic", "2024-03-01 old logic", "2024-01-01 new logic", "2024-02-01 new logic", "2024-03-01 new logic"],
            output.Take(3).Order().Concat(output.Skip(3).Order()));
        Assert.Equal(3, first.Created);
    }

    [Fact]
    public async Task A_backwards_backfill_starts_its_newest_run_first()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(QuickDag);
        var (from, to) = (engine.Today.AddDays(-6), engine.Today.AddDays(-3));

        var created = await Service(engine).CreateAsync(Request(dagId, from, to) with { RunBackwards = true });

        Assert.Equal([to, to.AddDays(-1), to.AddDays(-2), from], await StartOrderAsync(engine, dagId, created.Id));
    }

    [Fact]
    public async Task Runs_taken_over_from_an_earlier_backfill_start_in_the_new_backfills_order()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(QuickDag);
        var service = Service(engine);
        var (from, to) = (engine.Today.AddDays(-6), engine.Today.AddDays(-3));
        var forwards = await service.CreateAsync(Request(dagId, from, to));
        Assert.Equal([from, from.AddDays(1), from.AddDays(2), to], await StartOrderAsync(engine, dagId, forwards.Id));
        await engine.RunUntilAsync(async () => await CompletedAtAsync(engine, forwards.Id) is not null);

        var backwards = await service.CreateAsync(Request(dagId, from, to) with { Reprocess = ReprocessBehavior.Completed, RunBackwards = true });

        Assert.Equal((0, 4), (backwards.Created, backwards.Rerun));
        Assert.Equal([to, to.AddDays(-1), to.AddDays(-2), from], await StartOrderAsync(engine, dagId, backwards.Id));
    }

    [Fact]
    public async Task A_paused_backfill_starts_no_new_run_until_it_is_unpaused_and_then_the_scheduler_completes_it()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(SlowDag);
        var service = Service(engine);
        var created = await service.CreateAsync(Request(dagId, engine.Today.AddDays(-5), engine.Today.AddDays(-3)));
        await engine.StepAsync();
        var first = Assert.Single(await BackfillRunsAsync(engine, created.Id), r => r.State == DagRunState.Running);

        Assert.True(await service.SetPausedAsync(created.Id, paused: true, Actors.Admin("lead")));

        await engine.RunUntilAsync(async () => (await BackfillRunsAsync(engine, created.Id)).Single(r => r.Id == first.Id).State.IsFinished());
        await engine.StepAsync();
        await engine.StepAsync();
        var paused = await BackfillRunsAsync(engine, created.Id);
        Assert.Equal([DagRunState.Success, DagRunState.Queued, DagRunState.Queued], paused.Select(r => r.State));
        Assert.Null(await CompletedAtAsync(engine, created.Id));

        Assert.True(await service.SetPausedAsync(created.Id, paused: false, Actors.Admin("lead")));

        await engine.RunUntilAsync(async () => await CompletedAtAsync(engine, created.Id) is not null);
        Assert.All(await BackfillRunsAsync(engine, created.Id), r => Assert.Equal(DagRunState.Success, r.State));
        await AssertCompleteAndRefusedAsync(engine, created.Id);
        Assert.Equal([("backfill.create", 3), ("backfill.pause", 1), ("backfill.unpause", 1)], await AuditAsync(engine, dagId));
    }

    [Fact]
    public async Task Cancel_completes_the_backfill_at_once_fails_its_queued_runs_and_lets_the_running_one_finish()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(SlowDag);
        var service = Service(engine);
        var created = await service.CreateAsync(Request(dagId, engine.Today.AddDays(-5), engine.Today.AddDays(-3)));
        await engine.StepAsync();
        await engine.StartListeningAsync();
        using var changes = RecordedChanges.Subscribe(engine.Notifier, dagId);

        Assert.Equal(2, await service.CancelAsync(created.Id, Actors.Admin("lead")));

        // In the cancel's own transaction: complete, its queued runs failed, the running one left running.
        var cancelled = await BackfillRunsAsync(engine, created.Id);
        Assert.Equal([DagRunState.Running, DagRunState.Failed, DagRunState.Failed], cancelled.Select(r => r.State));
        Assert.All(cancelled.Skip(1), r => Assert.NotNull(r.EndDate));
        await using (var db = engine.CreateContext())
        {
            var backfill = await db.Backfills.AsNoTracking().SingleAsync();
            var audit = await db.AuditLog.AsNoTracking().SingleAsync(a => a.Action == "backfill.cancel");
            Assert.Equal((false, audit.OccurredAt), (backfill.IsPaused, backfill.CompletedAt!.Value));
        }

        // Open pages hear of it: the failed runs and the backfill's DAG are announced.
        await changes.WaitForAsync(batches => cancelled.Skip(1).All(r => batches.Any(b => b.RunIds.Contains(r.Id))));

        // A second cancel is refused, and the DAG can be backfilled again straight away.
        await AssertCompleteAndRefusedAsync(engine, created.Id);
        var next = await service.CreateAsync(Request(dagId, engine.Today.AddDays(-9), engine.Today.AddDays(-8)));
        Assert.Equal(2, next.Created);
        Assert.Equal([("backfill.create", 3), ("backfill.cancel", 2), ("backfill.create", 2)], await AuditAsync(engine, dagId));

        // The running run finishes as it would have.
        await engine.RunUntilAsync(async () => (await BackfillRunsAsync(engine, created.Id))[0].State.IsFinished());
        Assert.Equal([DagRunState.Success, DagRunState.Failed, DagRunState.Failed], (await BackfillRunsAsync(engine, created.Id)).Select(r => r.State));

        // A cancelled run cleared later runs: a complete backfill holds nothing back.
        var clear = engine.Services.GetRequiredService<ClearService>();
        await clear.ExecuteAsync(ClearRequest.ForRun(dagId, cancelled[1].RunId, onlyFailed: false, Actors.Admin("lead")));
        await engine.RunUntilAsync(async () => (await BackfillRunsAsync(engine, created.Id))[1].State == DagRunState.Success);
    }

    /// <summary>
    /// Airflow's rule (<c>PrevDagrunDep</c>): the run in a backfill's first slot does not wait on the
    /// run before it, which the backfill does not cover; the backfill's later runs wait on each other.
    /// </summary>
    [Fact]
    public async Task The_first_run_of_a_backfill_ignores_depends_on_past_and_its_later_runs_wait_on_each_other()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: ledger
            schedule: "@daily"
            start_date: 2020-01-01
            tasks:
              - {id: post, kind: empty, depends_on_past: true}
            """);
        var earlier = engine.Today.AddDays(-10);
        var runIds = await engine.CreateRunsAsync(dagId, EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(earlier, earlier.AddDays(1))));
        await using (var db = engine.CreateContext())
        {
            await db.ExecuteAsync("UPDATE dag_run SET state = 'failed' WHERE id = @id", CancellationToken.None, DbCommands.P("id", runIds.Values.Single()));
            await db.ExecuteAsync("UPDATE task_instance SET state = 'failed', try_number = 1", CancellationToken.None);
        }

        var created = await Service(engine).CreateAsync(
            Request(dagId, engine.Today.AddDays(-5), engine.Today.AddDays(-3)) with { Reprocess = ReprocessBehavior.Failed, MaxActiveRuns = 3 });

        await engine.RunUntilAsync(async () => (await BackfillRunsAsync(engine, created.Id)).All(r => r.State.IsFinished()));
        var runs = await BackfillRunsAsync(engine, created.Id);
        Assert.All(runs, r => Assert.Equal(DagRunState.Success, r.State));
        var allPosts = await engine.TaskInstancesAsync(dagId, "post");
        var posts = runs.Select(r => allPosts.Single(t => t.DagRunId == r.Id)).ToList();
        for (var i = 1; i < posts.Count; i++)
        {
            Assert.True(posts[i].StartDate >= posts[i - 1].EndDate, "a later backfill run waited on the one before it");
        }

        Assert.Equal(DagRunState.Failed, (await engine.RunsAsync(dagId)).Single(r => r.LogicalDate == earlier).State);
    }

    private static async Task<bool> CompletedAsync(EngineHarness engine, int backfillId)
    {
        await using var db = engine.CreateContext();
        return await db.Backfills.AnyAsync(b => b.Id == backfillId && b.CompletedAt != null);
    }

    private static BackfillService Service(EngineHarness engine) => engine.Services.GetRequiredService<BackfillService>();

    private static BackfillRequest Request(string dagId, DateTimeOffset from, DateTimeOffset to) => new(dagId, from, to, Actors.Admin("lead"), MaxActiveRuns: 1);

    /// <summary>Runs the backfill to its end and returns its runs' logical dates in the order they started.</summary>
    private static async Task<List<DateTimeOffset>> StartOrderAsync(EngineHarness engine, string dagId, int backfillId)
    {
        await engine.RunUntilAsync(async () => (await BackfillRunsAsync(engine, backfillId)).All(r => r.State.IsFinished()));
        var runs = await BackfillRunsAsync(engine, backfillId);
        Assert.All(runs, r => Assert.Equal((dagId, DagRunState.Success), (r.DagId, r.State)));
        return runs.OrderBy(r => r.StartDate).Select(r => r.LogicalDate!.Value).ToList();
    }

    /// <summary>The backfill's runs, oldest logical date first.</summary>
    private static async Task<List<DagRun>> BackfillRunsAsync(EngineHarness engine, int backfillId)
    {
        await using var db = engine.CreateContext();
        return await db.DagRuns.AsNoTracking().Where(r => r.BackfillId == backfillId).OrderBy(r => r.LogicalDate).ToListAsync();
    }

    private static async Task<DateTimeOffset?> CompletedAtAsync(EngineHarness engine, int backfillId)
    {
        await using var db = engine.CreateContext();
        return await db.Backfills.Where(b => b.Id == backfillId).Select(b => b.CompletedAt).SingleAsync();
    }

    private static async Task<List<(string Action, int AffectedCount)>> AuditAsync(EngineHarness engine, string dagId)
    {
        await using var db = engine.CreateContext();
        return (await db.AuditLog.Where(a => a.DagId == dagId && a.Actor == "lead").OrderBy(a => a.Id).Select(a => new { a.Action, a.AffectedCount }).ToListAsync())
            .Where(a => a.Action.StartsWith("backfill.")).Select(a => (a.Action, a.AffectedCount)).ToList();
    }

    private static async Task AssertCompleteAndRefusedAsync(EngineHarness engine, int backfillId)
    {
        var service = Service(engine);
        var refusals = new (Func<Task> Action, string Verb)[]
        {
            (() => service.SetPausedAsync(backfillId, paused: true, Actors.Admin("lead")), "paused"),
            (() => service.SetPausedAsync(backfillId, paused: false, Actors.Admin("lead")), "resumed"),
            (() => service.CancelAsync(backfillId, Actors.Admin("lead")), "cancelled"),
        };
        foreach (var (action, verb) in refusals)
        {
            var refused = await Assert.ThrowsAsync<OperationRefusedException>(action);
            Assert.Equal($"Backfill #{backfillId} is complete, so it cannot be {verb}.", refused.Message);
        }
    }
}
