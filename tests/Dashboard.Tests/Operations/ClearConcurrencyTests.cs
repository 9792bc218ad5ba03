using System.Diagnostics;
using System.Globalization;
using Dashboard.Core.Domain;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Clear;
using Dashboard.Core.Operations.Mark;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Dashboard.Core.Persistence.DbCommands;
using static Dashboard.Tests.Operations.ClearSelectionTests;
using static Dashboard.Tests.Operations.GridDag;

namespace Dashboard.Tests.Operations;

/// <summary>
/// Clears that meet each other, a double click, the executor, or a preview gone stale. Races are
/// made certain rather than likely where it matters: <see cref="RaceAsync{T}"/> holds the runs
/// until every contender is queued on them, then lets them all go at once.
/// </summary>
public sealed class ClearConcurrencyTests(GridDagFixture grid) : IClassFixture<GridDagFixture>
{
    private const int Rounds = 6;

    /// <summary>Downstream of extract.b, in d1 and every later dated run: 5 tasks × 4 runs.</summary>
    private static readonly ClearRequest Downstream = Request("d1/extract.b", new Relatives(Downstream: true, Future: true));

    /// <summary>Upstream of transform, in d4 and every earlier dated run; shares extract.b and transform with <see cref="Downstream"/>.</summary>
    private static readonly ClearRequest Upstream = Request("d4/transform", new Relatives(Upstream: true, Past: true));

    private static readonly string[] DownstreamTasks = ["extract.b", "transform", "load.warehouse.x", "load.y", "end"];
    private static readonly string[] UpstreamTasks = ["start", "extract.a", "extract.b", "extract.c", "transform"];
    private static readonly string[] Dated = ["d1", "d2", "d3", "d4"];

    private ClearService Clears => grid.Engine.Services.GetRequiredService<ClearService>();

    [Fact]
    public async Task Overlapping_clears_at_once_both_apply_each_try_is_archived_once_and_each_run_requeued_once()
    {
        await ResetAsync(grid.Engine);
        for (var round = 1; round <= Rounds * 2; round++)
        {
            var tryNumber = await ArmAsync(round);

            // Half the rounds held at the run locks until both wait there; half simply started together.
            var outcomes = round % 2 == 0
                ? await RaceAsync(grid.Engine, () => Clears.ExecuteAsync(Downstream), () => Clears.ExecuteAsync(Upstream))
                : await TogetherAsync(() => Clears.ExecuteAsync(Downstream), () => Clears.ExecuteAsync(Upstream));

            var (down, up) = (outcomes[0].Value(), outcomes[1].Value());
            // The one that goes second clears the shared instances again (they are no status by then): harmless.
            Assert.Equal((20, 0, 20, 0), (down.Cleared, down.Restarted, up.Cleared, up.Restarted));
            Assert.Equal(4, down.RunsRequeued + up.RunsRequeued);
            await AssertAllDatedClearedAsync(round, tryNumber, expectedAudit: 2 * round);
        }
    }

    [Fact]
    public async Task Two_clears_confirmed_on_the_same_preview_apply_once_and_the_other_learns_the_preview_is_outdated()
    {
        await ResetAsync(grid.Engine);
        for (var round = 1; round <= Rounds; round++)
        {
            var tryNumber = await ArmAsync(round);
            var preview = await Clears.PreviewAsync(Downstream);

            // Two people confirmed the same dialog: two requests, one preview.
            var outcomes = await RaceAsync(grid.Engine,
                () => Clears.ExecuteAsync(Downstream with { RequestId = Guid.NewGuid() }, preview),
                () => Clears.ExecuteAsync(Downstream with { RequestId = Guid.NewGuid() }, preview));

            var applied = Assert.Single(outcomes, o => o.Error is null).Value();
            Assert.Equal(new ClearResult(20, 0, 4), applied);
            Assert.IsType<PreviewOutdatedException>(Assert.Single(outcomes, o => o.Error is not null).Error);
            await AssertClearedOnceAsync(DownstreamTasks, round, tryNumber, archived: EarlierTries.Count + (round * 20), expectedAudit: round);
        }
    }

    [Fact]
    public async Task Of_two_overlapping_confirmed_clears_at_once_the_first_applies_and_the_second_is_outdated()
    {
        for (var round = 1; round <= Rounds; round++)
        {
            await ResetAsync(grid.Engine);
            var tryNumber = await ArmAsync(1);
            var (downPreview, upPreview) = (await Clears.PreviewAsync(Downstream), await Clears.PreviewAsync(Upstream));

            var outcomes = await RaceAsync(grid.Engine,
                () => Clears.ExecuteAsync(Downstream, downPreview),
                () => Clears.ExecuteAsync(Upstream, upPreview));

            var winner = Assert.Single(outcomes, o => o.Error is null);
            var loser = Assert.Single(outcomes, o => o.Error is not null);
            Assert.IsType<PreviewOutdatedException>(loser.Error);
            Assert.Equal(new ClearResult(20, 0, 4), winner.Value());
            var tasks = ReferenceEquals(outcomes[0], winner) ? DownstreamTasks : UpstreamTasks;
            await AssertClearedOnceAsync(tasks, 1, tryNumber, archived: EarlierTries.Count + 20, expectedAudit: 1);
        }
    }

    [Fact]
    public async Task Two_confirmed_clears_of_different_instances_in_the_same_runs_both_apply()
    {
        var left = Request("d4/extract.a", new Relatives(Past: true));
        var right = Request("d1/load.y", new Relatives(Future: true));
        for (var round = 1; round <= Rounds; round++)
        {
            await ResetAsync(grid.Engine);
            var tryNumber = await ArmAsync(1);
            var (leftPreview, rightPreview) = (await Clears.PreviewAsync(left), await Clears.PreviewAsync(right));

            var outcomes = await RaceAsync(grid.Engine, () => Clears.ExecuteAsync(left, leftPreview), () => Clears.ExecuteAsync(right, rightPreview));

            Assert.Equal((4, 4), (outcomes[0].Value().Cleared, outcomes[1].Value().Cleared));
            Assert.Equal(4, outcomes[0].Value().RunsRequeued + outcomes[1].Value().RunsRequeued);
            await AssertClearedOnceAsync(["extract.a", "load.y"], 1, tryNumber, archived: EarlierTries.Count + 8, expectedAudit: 2);
        }
    }

    [Theory]
    [InlineData("clear, confirmed")]
    [InlineData("clear")]
    [InlineData("mark success, confirmed")]
    [InlineData("mark run failed, confirmed")]
    public async Task The_same_request_sent_twice_at_once_applies_once_and_the_repeat_is_answered_as_already_applied(string action)
    {
        // What one send alone does, to compare the double send with.
        await (await PrepareAsync(action, Guid.NewGuid()))();
        var once = await ReadAsync(grid.Engine);

        for (var round = 1; round <= Rounds; round++)
        {
            var requestId = Guid.NewGuid();
            var send = await PrepareAsync(action, requestId);

            var outcomes = await RaceAsync(grid.Engine, send, send);

            Assert.All(outcomes, o => Assert.Null(o.Error));
            Assert.Equal([false, true], outcomes.Select(o => o.Value()).Order());
            var after = await ReadAsync(grid.Engine);
            Assert.Equal(requestId, Assert.Single(after.Audit).RequestId);
            Assert.Equal(once.TaskInstanceLines, after.TaskInstanceLines);
            Assert.Equal(once.History, after.History);
            Assert.Equal(once.RunLines, after.RunLines);
        }
    }

    [Fact]
    public async Task A_clear_confirmed_on_a_preview_that_went_stale_applies_nothing_and_records_nothing()
    {
        await ResetAsync(grid.Engine);
        var preview = await Clears.PreviewAsync(Downstream);
        await using (var db = grid.Engine.CreateContext())
        {
            // Someone marks d2's load.warehouse.x failed meanwhile.
            await db.ExecuteAsync("""
                UPDATE task_instance ti SET state = 'failed' FROM dag_run r
                WHERE r.id = ti.dag_run_id AND r.run_id = @run AND ti.task_id = 'load.warehouse.x'
                """, CancellationToken.None, P("run", D2));
        }

        var rows = await RawRowsAsync(grid.Engine);

        var outdated = await Assert.ThrowsAsync<PreviewOutdatedException>(
            () => Clears.ExecuteAsync(Downstream with { RequestId = Guid.NewGuid() }, preview));

        Assert.Equal(
            $"Nothing was changed, because the task instances moved since the preview: load.warehouse.x in {D2} is now failed. " +
            "Check the new list and confirm again.",
            outdated.Message);
        Assert.Equal(rows, await RawRowsAsync(grid.Engine));
    }

    [Fact]
    public async Task A_clear_confirmed_on_a_preview_is_outdated_when_an_instance_joins_its_selection()
    {
        await ResetAsync(grid.Engine);
        var onlyFailed = Downstream with { Options = Downstream.Options with { OnlyFailed = true } };
        var preview = await Clears.PreviewAsync(onlyFailed);
        await using (var db = grid.Engine.CreateContext())
        {
            await db.ExecuteAsync("""
                UPDATE task_instance ti SET state = 'upstream_failed' FROM dag_run r
                WHERE r.id = ti.dag_run_id AND r.run_id = @run AND ti.task_id = 'end'
                """, CancellationToken.None, P("run", D2));
        }

        var rows = await RawRowsAsync(grid.Engine);

        var outdated = await Assert.ThrowsAsync<PreviewOutdatedException>(() => Clears.ExecuteAsync(onlyFailed, preview));

        Assert.Contains($"end in {D2} is now upstream_failed and joins the selection", outdated.Message, StringComparison.Ordinal);
        Assert.Equal(rows, await RawRowsAsync(grid.Engine));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_try_that_ends_between_the_clears_selection_and_its_update_makes_the_clear_start_over(bool confirmed)
    {
        await ResetAsync(grid.Engine);
        var request = Request("d3/extract.b", Relatives.None) with { Options = new ClearOptions(Relatives.None, DisturbRunning: true) };
        var preview = confirmed ? await Clears.PreviewAsync(request) : null;
        Task<ClearResult> clearing;
        await using (var executor = grid.Engine.CreateContext())
        {
            // As the executor finishing the try holds its row: the clear selects it running, then waits to update it.
            await using var transaction = await executor.Database.BeginTransactionAsync();
            await executor.ExecuteAsync("""
                SELECT ti.id FROM task_instance ti JOIN dag_run r ON r.id = ti.dag_run_id
                WHERE r.run_id = @run AND ti.task_id = 'extract.b' FOR UPDATE OF ti
                """, CancellationToken.None, P("run", D3));
            clearing = Task.Run(() => Clears.ExecuteAsync(request, preview));
            await WaitUntilWaitingAsync(grid.Engine, 1, clearing);
            await executor.ExecuteAsync("""
                UPDATE task_instance ti SET state = 'success', end_date = now() FROM dag_run r
                WHERE r.id = ti.dag_run_id AND r.run_id = @run AND ti.task_id = 'extract.b'
                """, CancellationToken.None, P("run", D3));
            await transaction.CommitAsync();
        }

        var rows = await RawRowsAsync(grid.Engine);
        if (confirmed)
        {
            // What was confirmed was a restart; a clear of a finished try is a different thing to confirm.
            var outdated = await Assert.ThrowsAsync<PreviewOutdatedException>(() => clearing.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains($"extract.b in {D3} is now success", outdated.Message, StringComparison.Ordinal);
            Assert.Equal(rows, await RawRowsAsync(grid.Engine));
            return;
        }

        Assert.Equal(new ClearResult(1, 0, 0), await clearing.WaitAsync(TimeSpan.FromSeconds(30)));
        var after = await ReadAsync(grid.Engine);
        Assert.Contains("d3 extract.b: none try 1 max 2", after.TaskInstanceLines);
        Assert.Contains("d3 extract.b try 1 success", after.History);
        Assert.Equal(1, Assert.Single(after.Audit).AffectedCount);
    }

    [Fact]
    public async Task A_late_success_of_a_try_cleared_while_running_is_dropped_and_the_task_runs_again()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: late_success
            schedule: null
            tasks:
              - {id: work, retries: 0, command: exit 0}
            """);
        var runId = await engine.TriggerAsync(dagId);
        await engine.Scheduler.RunOnceAsync(CancellationToken.None);
        const string Executor = "other-host:1:late";
        ClaimedTry claim;
        await using (var db = engine.CreateContext())
        {
            // An executor takes the try and starts it, as another app instance would.
            claim = Assert.Single(
                await TaskInstanceTransitions.ClaimAsync(db, Executor, "other-host", 10, engine.Clock.GetUtcNow(), CancellationToken.None));
            Assert.True(await TaskInstanceTransitions.StartAsync(db, claim, Executor, engine.Clock.GetUtcNow(), CancellationToken.None));
        }

        var clears = engine.Services.GetRequiredService<ClearService>();
        Assert.Equal(new ClearResult(0, 1, 0), await clears.ExecuteAsync(ClearRequest.ForRun(dagId, runId, onlyFailed: false, Actors.Admin("alice"))));

        await using (var db = engine.CreateContext())
        {
            // The try's process had already succeeded; its report arrives after the clear.
            var state = await TaskInstanceTransitions.FinishTryAsync(
                db, claim, Executor, TryOutcome.Succeeded, TimeSpan.FromHours(1), NotificationRoutes.None, engine.Clock.GetUtcNow(), CancellationToken.None);
            Assert.Equal(TaskInstanceState.UpForRetry, state);
        }

        var interrupted = await engine.TaskInstanceAsync(dagId, runId, "work");
        Assert.Equal((TaskInstanceState.UpForRetry, 1, 0), (interrupted.State!.Value, interrupted.TryNumber, interrupted.MaxTries));
        Assert.Equal(interrupted.EndDate, interrupted.RetryAt); // retried at once, not after the task's retry delay

        await engine.RunUntilRunsFinishedAsync(dagId);

        var done = await engine.TaskInstanceAsync(dagId, runId, "work");
        Assert.Equal((TaskInstanceState.Success, 2), (done.State!.Value, done.TryNumber));
        Assert.Equal([(1, TaskInstanceState.Failed)], (await engine.HistoryAsync(done.Id)).Select(h => (h.TryNumber, h.State!.Value)));
        var run = Assert.Single(await engine.RunsAsync(dagId));
        Assert.Equal((DagRunState.Success, 0), (run.State, run.ClearNumber)); // it was running: not queued again
    }

    [Fact]
    public async Task A_try_cleared_between_its_claim_and_its_start_never_runs_and_its_result_cannot_land()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: cleared_in_queue
            schedule: null
            tasks:
              - {id: work, retries: 0, command: exit 0}
            """);
        var runId = await engine.TriggerAsync(dagId);
        await engine.Scheduler.RunOnceAsync(CancellationToken.None);
        const string Executor = "other-host:1:queued";
        ClaimedTry claim;
        await using (var db = engine.CreateContext())
        {
            claim = Assert.Single(
                await TaskInstanceTransitions.ClaimAsync(db, Executor, "other-host", 10, engine.Clock.GetUtcNow(), CancellationToken.None));
        }

        var clears = engine.Services.GetRequiredService<ClearService>();
        Assert.Equal(new ClearResult(1, 0, 0), await clears.ExecuteAsync(ClearRequest.ForRun(dagId, runId, onlyFailed: false, Actors.Admin("alice"))));

        await using (var db = engine.CreateContext())
        {
            var now = engine.Clock.GetUtcNow();
            Assert.False(await TaskInstanceTransitions.StartAsync(db, claim, Executor, now, CancellationToken.None));
            Assert.Null(
                await TaskInstanceTransitions.FinishTryAsync(db, claim, Executor, TryOutcome.Succeeded, TimeSpan.Zero, NotificationRoutes.None, now, CancellationToken.None));
        }

        Assert.Equal((null, 1), ((await engine.TaskInstanceAsync(dagId, runId, "work")).State, claim.TryNumber));
        await engine.RunUntilRunsFinishedAsync(dagId);
        var done = await engine.TaskInstanceAsync(dagId, runId, "work");
        Assert.Equal((TaskInstanceState.Success, 2), (done.State!.Value, done.TryNumber));
    }

    [Fact]
    public async Task Clearing_a_running_task_kills_its_process_once_and_the_next_try_starts_only_after_it_ended()
    {
        await using var engine = await EngineHarness.CreateAsync();
        // Each try notes when it starts and ends; a later try also notes any process of the first still alive.
        var dagId = await engine.AddDagAsync("""
            dag_id: restart_on_clear
            schedule: null
            tasks:
              - id: work
                retries: 0
                command: |
                  marks="$DASHBOARD_DATA_DIR/marks"
                  echo "start $TRY_NUMBER $(date +%s%N)" >> "$marks"
                  if [ "$TRY_NUMBER" -ge 2 ]; then
                    for pid in $(cat "$DASHBOARD_DATA_DIR/first.pids"); do
                      if [ -e "/proc/$pid" ] && ! grep -q ') Z' "/proc/$pid/stat"; then echo "alive $pid" >> "$marks"; fi
                    done
                    echo "end $TRY_NUMBER $(date +%s%N)" >> "$marks"
                    exit 0
                  fi
                  sleep 30 &
                  echo "$$ $!" > "$DASHBOARD_DATA_DIR/first.pids"
                  wait
              - {id: after, upstream: work, command: exit 0}
            """);
        var runId = await engine.TriggerAsync(dagId);
        var pids = Path.Combine(engine.DataDirectory, "first.pids");
        await engine.RunUntilAsync(async () =>
            File.Exists(pids) && (await engine.TaskInstanceAsync(dagId, runId, "work")).State == TaskInstanceState.Running);

        var clears = engine.Services.GetRequiredService<ClearService>();
        var request = new ClearRequest(dagId, [TaskTarget.Task(runId, "work")], new ClearOptions(Relatives.None, DisturbRunning: true), Actors.Admin("alice"));
        Assert.Equal(new ClearResult(0, 1, 0), await clears.ExecuteAsync(request));
        await engine.RunUntilRunsFinishedAsync(dagId);

        var run = Assert.Single(await engine.StatesAsync(dagId));
        Assert.Equal((DagRunState.Success, TaskInstanceState.Success, TaskInstanceState.Success), (run.State, run["work"], run["after"]));
        var work = await engine.TaskInstanceAsync(dagId, runId, "work");
        Assert.Equal(2, work.TryNumber);
        var firstTry = Assert.Single(await engine.HistoryAsync(work.Id));
        Assert.Equal((1, TaskInstanceState.Failed), (firstTry.TryNumber, firstTry.State!.Value));
        var killed = Assert.Single(await engine.LogAsync(work.Id, 1), line => line.StartsWith("Killed after", StringComparison.Ordinal));
        Assert.Contains("cleared while running", killed, StringComparison.Ordinal);
        Assert.DoesNotContain(await engine.LogAsync(work.Id, 2), line => line.StartsWith("Killed after", StringComparison.Ordinal));

        // Exactly two tries ran, the second with nothing of the first left, and after the first had ended.
        var marks = (await File.ReadAllLinesAsync(Path.Combine(engine.DataDirectory, "marks"))).Select(l => l.Split(' ')).ToList();
        Assert.Equal(["start 1", "start 2", "end 2"], marks.Select(m => $"{m[0]} {m[1]}"));
        var secondStarted = DateTimeOffset.UnixEpoch.AddTicks(long.Parse(marks[1][2], CultureInfo.InvariantCulture) / 100); // from nanoseconds
        Assert.True(firstTry.EndDate <= secondStarted, $"try 2 started at {secondStarted:O}, before try 1 ended at {firstTry.EndDate:O}");
    }

    private static ClearRequest Request(string targets, Relatives relatives) =>
        new(DagId, ParseTargets(targets), new ClearOptions(relatives), Actor);

    /// <summary>
    /// Starts afresh and readies one request of the given kind, confirmed on its preview unless the
    /// kind says otherwise; the returned send is true when it was answered as already applied.
    /// </summary>
    private async Task<Func<Task<bool>>> PrepareAsync(string action, Guid requestId)
    {
        await ResetAsync(grid.Engine);
        var services = grid.Engine.Services;
        switch (action)
        {
            case "clear, confirmed" or "clear":
                await ArmAsync(1);
                var clear = Downstream with { RequestId = requestId };
                var clearPreview = action == "clear" ? null : await Clears.PreviewAsync(clear);
                return async () => (await Clears.ExecuteAsync(clear, clearPreview)).AlreadyApplied;
            case "mark success, confirmed":
                var marks = services.GetRequiredService<MarkService>();
                var mark = new MarkRequest(
                    DagId, [TaskTarget.Task(D1, "extract.b")], TaskInstanceState.Success, Relatives.None, Actor, RequestId: requestId);
                var markPreview = await marks.PreviewAsync(mark);
                return async () => (await marks.ExecuteAsync(mark, markPreview)).AlreadyApplied;
            case "mark run failed, confirmed":
                var runMarks = services.GetRequiredService<MarkRunService>();
                var markRun = new MarkRunRequest(DagId, D3, DagRunState.Failed, Actor, RequestId: requestId);
                var markRunPreview = await runMarks.PreviewAsync(markRun);
                return async () => (await runMarks.ExecuteAsync(markRun, markRunPreview)).AlreadyApplied;
            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, null);
        }
    }

    /// <summary>
    /// Every task instance of the dated runs failed on a try no round used before, every dated run
    /// failed: a clear of any of them has work to do, and archives a try of its own.
    /// </summary>
    private async Task<int> ArmAsync(int round)
    {
        var tryNumber = 10 + round;
        await using var db = grid.Engine.CreateContext();
        await db.ExecuteAsync("""
            UPDATE task_instance ti SET state = 'failed', try_number = @try FROM dag_run r WHERE r.id = ti.dag_run_id AND r.logical_date IS NOT NULL;
            UPDATE dag_run SET state = 'failed', start_date = @started, end_date = @ended WHERE logical_date IS NOT NULL;
            """, CancellationToken.None, P("try", tryNumber), P("started", RunStarted), P("ended", RunEnded));
        return tryNumber;
    }

    /// <summary>After <paramref name="rounds"/> rounds that each cleared every task instance of the dated runs.</summary>
    private async Task AssertAllDatedClearedAsync(int rounds, int tryNumber, int expectedAudit)
    {
        var after = await ReadAsync(grid.Engine);
        Assert.Equal(
            Dated.SelectMany(run => Tasks.Select(task => $"{run} {task}: none try {tryNumber} max {tryNumber + GridDag.Retries[task]}")),
            after.TaskInstanceLines.Where(l => !l.StartsWith("m ", StringComparison.Ordinal)));
        Assert.All(Dated, run => Assert.Equal((DagRunState.Queued, rounds), (after.Runs[run].State, after.Runs[run].ClearNumber)));
        await AssertHistoryAsync(Dated.SelectMany(run => Tasks.Select(task => (run, task))), tryNumber, EarlierTries.Count + (rounds * 32));
        Assert.Equal(expectedAudit, after.Audit.Count);
    }

    /// <summary>
    /// The given tasks of the dated runs cleared once more (the run's <paramref name="clearNumber"/>th clear),
    /// the others still failed; <paramref name="archived"/> tries in all.
    /// </summary>
    private async Task AssertClearedOnceAsync(IReadOnlyList<string> tasks, int clearNumber, int tryNumber, int archived, int expectedAudit)
    {
        var after = await ReadAsync(grid.Engine);
        Assert.Equal(
            Dated.SelectMany(run => Tasks.Select(task => tasks.Contains(task)
                ? $"{run} {task}: none try {tryNumber} max {tryNumber + GridDag.Retries[task]}"
                : $"{run} {task}: failed try {tryNumber} max {GridDag.Retries[task]}")),
            after.TaskInstanceLines.Where(l => !l.StartsWith("m ", StringComparison.Ordinal)));
        Assert.All(Dated, run => Assert.Equal((DagRunState.Queued, clearNumber), (after.Runs[run].State, after.Runs[run].ClearNumber)));
        await AssertHistoryAsync(Dated.SelectMany(run => tasks.Select(task => (run, task))), tryNumber, archived);
        Assert.Equal(expectedAudit, after.Audit.Count);
    }

    /// <summary>One history row per try, never two; this round's try archived for exactly the cleared instances.</summary>
    private async Task AssertHistoryAsync(IEnumerable<(string Run, string Task)> cleared, int tryNumber, int total)
    {
        await using var db = grid.Engine.CreateContext();
        var tries = await db.TaskInstanceHistory.AsNoTracking().Select(h => new { h.TaskInstanceId, h.TryNumber }).ToListAsync();
        Assert.Equal(tries.Count, tries.Distinct().Count());
        Assert.Equal(total, tries.Count);
        var history = (await ReadAsync(grid.Engine)).History;
        Assert.Equal(
            cleared.Select(c => $"{c.Run} {c.Task} try {tryNumber} failed").Order(StringComparer.Ordinal),
            history.Where(h => h.EndsWith($" try {tryNumber} failed", StringComparison.Ordinal)));
    }

    /// <summary>
    /// Starts every action while this test holds all the DAG's runs locked, waits until each is queued
    /// on that lock (so each has passed its request-id check and none has selected yet), then releases them together.
    /// </summary>
    private static async Task<Outcome<T>[]> RaceAsync<T>(EngineHarness engine, params Func<Task<T>>[] actions)
    {
        Task<Outcome<T>[]> racing;
        await using (var gate = engine.CreateContext())
        {
            await using var transaction = await gate.Database.BeginTransactionAsync();
            await gate.ExecuteAsync("SELECT id FROM dag_run WHERE dag_id = @dag ORDER BY id FOR UPDATE", CancellationToken.None, P("dag", DagId));
            racing = Task.WhenAll(actions.Select(action => Task.Run(() => CaptureAsync(action))));
            await WaitUntilWaitingAsync(engine, actions.Length, racing);
            await transaction.CommitAsync();
        }

        return await racing.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Starts every action at the same moment, without holding anything.</summary>
    private static async Task<Outcome<T>[]> TogetherAsync<T>(params Func<Task<T>>[] actions)
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racing = Task.WhenAll(actions.Select(action => Task.Run(async () =>
        {
            await go.Task;
            return await CaptureAsync(action);
        })));
        go.SetResult();
        return await racing.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Polls from a connection of its own: within the gate's transaction PostgreSQL would keep
    /// answering from the activity snapshot it took first.
    /// </summary>
    private static async Task WaitUntilWaitingAsync<T>(EngineHarness engine, int count, Task<T> racing)
    {
        await using var db = engine.CreateContext();
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var waiting = (await db.QueryAsync("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
                """, r => r.GetInt64(0), CancellationToken.None))[0];
            if (waiting == count)
            {
                return;
            }

            Assert.False(racing.IsCompleted, "an action finished without waiting for the runs it acts on");
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"only {waiting} of {count} actions came to wait for the runs");
            await Task.Delay(10);
        }
    }

    private static async Task<Outcome<T>> CaptureAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return new Outcome<T>(await action(), null);
        }
        catch (Exception e)
        {
            return new Outcome<T>(default, e);
        }
    }

    /// <summary>What one contender got: its result, or what it threw.</summary>
    private sealed record Outcome<T>(T? Result, Exception? Error)
    {
        public T Value() => Error is null ? Result! : throw new InvalidOperationException("The action failed.", Error);
    }
}
