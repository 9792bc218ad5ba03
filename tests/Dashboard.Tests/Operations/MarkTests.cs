using System.Text.Json;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Mark;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Persistence;
using Microsoft.Extensions.DependencyInjection;
using static Dashboard.Tests.Operations.ClearSelectionTests;
using static Dashboard.Tests.Operations.GridDag;

namespace Dashboard.Tests.Operations;

/// <summary>
/// Mark success / failed of task instances and of whole runs, on <see cref="GridDag"/> as
/// <see cref="GridDag.States"/> sets it up. Each test names every task instance and run that
/// changes; everything else must stay exactly as it was.
/// </summary>
public sealed class MarkTests(GridDagFixture grid) : IClassFixture<GridDagFixture>
{
    private MarkService Marks => grid.Engine.Services.GetRequiredService<MarkService>();

    private MarkRunService RunMarks => grid.Engine.Services.GetRequiredService<MarkRunService>();

    [Fact]
    public async Task Mark_success_on_a_failed_task_clears_its_failed_downstream_so_the_run_resumes()
    {
        var before = await StartAsync();
        var request = Mark("d1/extract.b", TaskInstanceState.Success);

        var preview = await Marks.PreviewAsync(request);

        Assert.Equal(ParseSelection("d1: extract.b"), preview.ToMark.Select(Short));
        Assert.Equal(ParseSelection("d1: transform load.warehouse.x load.y end"), preview.ToClear.Select(Short));
        Assert.Equal(new MarkResult(1, 4, 1), await Marks.ExecuteAsync(request, preview));

        var after = await ReadAsync(grid.Engine);
        Assert.Equal(
            Changed(before.TaskInstanceLines,
                "d1 extract.b: success try 2 max 1",
                "d1 transform: none try 0 max 3",
                "d1 load.warehouse.x: none try 0 max 1",
                "d1 load.y: none try 0 max 1",
                "d1 end: none try 0 max 0"),
            after.TaskInstanceLines);
        Assert.Equal(before.History, after.History); // a mark keeps the try; nothing to archive
        // The downstream clear is a clear: it counts, as Airflow's does.
        Assert.Equal(Changed(before.RunLines, "d1: queued clear 1"), after.RunLines);
        var audit = Assert.Single(after.Audit);
        Assert.Equal(("task_instance.mark_success", 5), (audit.Action, audit.AffectedCount));
        Assert.Equal([D1], audit.RunIds);
        Assert.Equal(["extract.b", "transform", "load.warehouse.x", "load.y", "end"], audit.TaskIds);
        using var details = JsonDocument.Parse(audit.Details);
        Assert.Equal((1, 4, 1), (Int(details, "marked"), Int(details, "cleared_downstream"), Int(details, "runs_requeued")));
    }

    [Fact]
    public async Task Mark_failed_on_a_running_task_ends_its_try_and_leaves_the_running_run_and_the_downstream_alone()
    {
        var before = await StartAsync();

        Assert.Equal(new MarkResult(1, 0, 0), await Marks.ExecuteAsync(Mark("d3/extract.b", TaskInstanceState.Failed)));

        var after = await ReadAsync(grid.Engine);
        Assert.Equal(Changed(before.TaskInstanceLines, "d3 extract.b: failed try 1 max 1"), after.TaskInstanceLines);
        Assert.Equal(before.RunLines, after.RunLines);
        Assert.Equal(before.History, after.History);
        var audit = Assert.Single(after.Audit);
        Assert.Equal(("task_instance.mark_failed", 1, "extract.b"), (audit.Action, audit.AffectedCount, Assert.Single(audit.TaskIds)));
        var marked = await grid.Engine.TaskInstanceAsync(DagId, D3, "extract.b");
        Assert.Equal((audit.OccurredAt, audit.OccurredAt), (marked.StartDate, marked.EndDate)); // it had no dates of its own
    }

    [Fact]
    public async Task A_mark_in_a_finished_run_queues_the_run_again_without_counting_a_clear()
    {
        var before = await StartAsync();

        Assert.Equal(new MarkResult(1, 0, 1), await Marks.ExecuteAsync(Mark("d2/extract.a", TaskInstanceState.Failed)));

        var after = await ReadAsync(grid.Engine);
        Assert.Equal(Changed(before.TaskInstanceLines, "d2 extract.a: failed try 1 max 1"), after.TaskInstanceLines);
        Assert.Equal(Changed(before.RunLines, "d2: queued clear 0"), after.RunLines);
        var run = after.Runs["d2"];
        Assert.Equal((Assert.Single(after.Audit).OccurredAt, null, null), (run.QueuedAt, run.StartDate, run.EndDate));
    }

    [Fact]
    public async Task Mark_success_with_upstream_marks_the_unsuccessful_ancestors_and_clears_only_the_failed_downstream()
    {
        var before = await StartAsync();
        var request = Mark("d4/transform", TaskInstanceState.Success, upstream: true);

        var preview = await Marks.PreviewAsync(request);

        // start and extract.c already succeeded; the removed load.y is not failed, so it is not cleared.
        Assert.Equal(ParseSelection("d4: extract.a extract.b transform"), preview.ToMark.Select(Short));
        Assert.Equal(ParseSelection("d4: load.warehouse.x end"), preview.ToClear.Select(Short));
        Assert.Equal(new MarkResult(3, 2, 1), await Marks.ExecuteAsync(request, preview));
        var after = await ReadAsync(grid.Engine);
        Assert.Equal(
            Changed(before.TaskInstanceLines,
                "d4 extract.a: success try 1 max 1",
                "d4 extract.b: success try 0 max 1",
                "d4 transform: success try 0 max 3",
                "d4 load.warehouse.x: none try 0 max 1",
                "d4 end: none try 0 max 0"),
            after.TaskInstanceLines);
        Assert.Equal(Changed(before.RunLines, "d4: queued clear 1"), after.RunLines);
    }

    [Fact]
    public async Task Mark_failed_with_downstream_fails_the_whole_chain_and_clears_nothing()
    {
        var before = await StartAsync();

        Assert.Equal(new MarkResult(4, 0, 1), await Marks.ExecuteAsync(Mark("d2/transform", TaskInstanceState.Failed, downstream: true)));

        var after = await ReadAsync(grid.Engine);
        Assert.Equal(
            Changed(before.TaskInstanceLines,
                "d2 transform: failed try 2 max 3",
                "d2 load.warehouse.x: failed try 1 max 1",
                "d2 load.y: failed try 0 max 1",
                "d2 end: failed try 1 max 0"),
            after.TaskInstanceLines);
        Assert.Equal(Changed(before.RunLines, "d2: queued clear 0"), after.RunLines);
    }

    [Fact]
    public async Task Mark_success_with_past_and_future_reaches_every_dated_run_and_clears_the_failed_downstream_in_each()
    {
        var before = await StartAsync();
        var request = Mark("d2/extract.b", TaskInstanceState.Success, past: true, future: true);

        var preview = await Marks.PreviewAsync(request);

        // d2's extract.b already succeeded; the manual run has no logical date, so it is out of reach.
        Assert.Equal(ParseSelection("d1: extract.b | d3: extract.b | d4: extract.b"), preview.ToMark.Select(Short));
        Assert.Equal(
            ParseSelection("d1: transform load.warehouse.x load.y end | d4: transform load.warehouse.x end"),
            preview.ToClear.Select(Short));
        Assert.Equal(new MarkResult(3, 7, 2), await Marks.ExecuteAsync(request, preview));
        var after = await ReadAsync(grid.Engine);
        Assert.Equal(
            Changed(before.TaskInstanceLines,
                "d1 extract.b: success try 2 max 1",
                "d1 transform: none try 0 max 3",
                "d1 load.warehouse.x: none try 0 max 1",
                "d1 load.y: none try 0 max 1",
                "d1 end: none try 0 max 0",
                "d3 extract.b: success try 1 max 1",
                "d4 extract.b: success try 0 max 1",
                "d4 transform: none try 0 max 3",
                "d4 load.warehouse.x: none try 0 max 1",
                "d4 end: none try 0 max 0"),
            after.TaskInstanceLines);
        // d2 had nothing to change; d3 still runs.
        Assert.Equal(Changed(before.RunLines, "d1: queued clear 1", "d4: queued clear 1"), after.RunLines);
        var audit = Assert.Single(after.Audit);
        Assert.Equal(10, audit.AffectedCount);
        Assert.Equal([D1, D3, D4], audit.RunIds);
    }

    [Fact]
    public async Task Mark_success_of_a_group_marks_its_unsuccessful_tasks_and_clears_the_failed_downstream()
    {
        var before = await StartAsync();

        Assert.Equal(new MarkResult(2, 3, 1), await Marks.ExecuteAsync(Mark("d4/group:extract", TaskInstanceState.Success)));

        var after = await ReadAsync(grid.Engine);
        Assert.Equal(
            Changed(before.TaskInstanceLines,
                "d4 extract.a: success try 1 max 1",
                "d4 extract.b: success try 0 max 1",
                "d4 transform: none try 0 max 3",
                "d4 load.warehouse.x: none try 0 max 1",
                "d4 end: none try 0 max 0"),
            after.TaskInstanceLines);
        Assert.Equal(Changed(before.RunLines, "d4: queued clear 1"), after.RunLines);
    }

    [Fact]
    public async Task Mark_skipped_on_a_failed_task_skips_it_and_clears_its_failed_downstream_so_the_run_resumes()
    {
        var before = await StartAsync();
        var request = Mark("d1/extract.b", TaskInstanceState.Skipped);

        var preview = await Marks.PreviewAsync(request);

        Assert.Equal(ParseSelection("d1: extract.b"), preview.ToMark.Select(Short));
        Assert.Equal(ParseSelection("d1: transform load.warehouse.x load.y end"), preview.ToClear.Select(Short));
        Assert.Equal(new MarkResult(1, 4, 1), await Marks.ExecuteAsync(request, preview));
        var after = await ReadAsync(grid.Engine);
        Assert.Equal(
            Changed(before.TaskInstanceLines,
                "d1 extract.b: skipped try 2 max 1",
                "d1 transform: none try 0 max 3",
                "d1 load.warehouse.x: none try 0 max 1",
                "d1 load.y: none try 0 max 1",
                "d1 end: none try 0 max 0"),
            after.TaskInstanceLines);
        Assert.Equal(Changed(before.RunLines, "d1: queued clear 1"), after.RunLines);
        var audit = Assert.Single(after.Audit);
        Assert.Equal(("task_instance.mark_skipped", 5), (audit.Action, audit.AffectedCount));
    }

    [Fact]
    public async Task Mark_skipped_takes_past_upstream_and_downstream_as_mark_success_does()
    {
        var before = await StartAsync();
        var request = Mark("d2/transform", TaskInstanceState.Skipped, upstream: true, downstream: true, past: true);

        var preview = await Marks.PreviewAsync(request);

        // d2's load.y is skipped already; d1's failed downstream is marked, not cleared: it is in the selection.
        Assert.Equal(
            ParseSelection("d1: start extract.a extract.b extract.c transform load.warehouse.x load.y end | " +
                           "d2: start extract.a extract.b extract.c transform load.warehouse.x end"),
            preview.ToMark.Select(Short));
        Assert.Empty(preview.ToClear);
        Assert.Equal(new MarkResult(15, 0, 2), await Marks.ExecuteAsync(request, preview));
        var after = await ReadAsync(grid.Engine);
        Assert.All(preview.ToMark, t => Assert.StartsWith("skipped", after.TaskInstances[Short(t)].ToString(), StringComparison.Ordinal));
        Assert.Equal(Changed(before.RunLines, "d1: queued clear 0", "d2: queued clear 0"), after.RunLines);
    }

    [Fact]
    public async Task Marking_a_task_that_has_no_instance_in_its_run_says_so_and_changes_nothing()
    {
        await StartAsync();
        await using (var db = grid.Engine.CreateContext())
        {
            // A run can lack an instance of a task its version has (made before the instance was, or removed by hand).
            await db.ExecuteAsync("""
                DELETE FROM task_instance ti USING dag_run r
                WHERE r.id = ti.dag_run_id AND r.run_id = @run AND ti.task_id = 'transform'
                """, CancellationToken.None, DbCommands.P("run", D2));
        }

        var rows = await RawRowsAsync(grid.Engine);
        var request = Mark("d2/transform", TaskInstanceState.Failed);

        var inPreview = await Assert.ThrowsAsync<OperationRefusedException>(() => Marks.PreviewAsync(request));
        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => Marks.ExecuteAsync(request));

        var noInstance = $"Task 'transform' has no instance in run '{D2}', so there is nothing to mark there. Pick a cell that has a state.";
        Assert.Equal((noInstance, noInstance), (inPreview.Message, refused.Message));
        Assert.Equal(rows, await RawRowsAsync(grid.Engine));
    }

    [Fact]
    public async Task Marking_what_is_already_in_that_state_is_refused_and_changes_nothing()
    {
        await StartAsync();
        var rows = await RawRowsAsync(grid.Engine);
        var request = Mark("d2/group:extract", TaskInstanceState.Success);

        var preview = await Marks.PreviewAsync(request);
        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => Marks.ExecuteAsync(request));

        const string AlreadySuccess = "Nothing to mark: every selected task instance is already success.";
        Assert.Equal((AlreadySuccess, AlreadySuccess), (preview.Blocker, refused.Message));
        Assert.Equal(rows, await RawRowsAsync(grid.Engine));
    }

    [Fact]
    public async Task Past_or_future_marks_on_a_run_without_a_logical_date_are_refused()
    {
        await StartAsync();
        var rows = await RawRowsAsync(grid.Engine);

        var refused = await Assert.ThrowsAsync<OperationRefusedException>(
            () => Marks.ExecuteAsync(Mark("m/transform", TaskInstanceState.Success, past: true)));

        Assert.StartsWith($"Past and Future reach runs by logical date, and run '{M}' has none.", refused.Message, StringComparison.Ordinal);
        Assert.Equal(rows, await RawRowsAsync(grid.Engine));
    }

    [Fact]
    public async Task A_mark_preview_changes_nothing_and_the_same_request_twice_marks_once()
    {
        await StartAsync();
        var rows = await RawRowsAsync(grid.Engine);
        var request = Mark("d1/extract.b", TaskInstanceState.Success) with { RequestId = Guid.NewGuid() };

        var preview = await Marks.PreviewAsync(request);
        Assert.Equal(rows, await RawRowsAsync(grid.Engine));

        await Marks.ExecuteAsync(request, preview);
        var applied = await RawRowsAsync(grid.Engine);
        Assert.Equal(MarkResult.Repeated, await Marks.ExecuteAsync(request, preview));
        Assert.Equal(applied, await RawRowsAsync(grid.Engine));
    }

    [Fact]
    public async Task Mark_run_success_makes_every_unfinished_task_instance_succeed_and_ends_the_run()
    {
        var before = await StartAsync();
        var request = new MarkRunRequest(DagId, D3, DagRunState.Success, Actor, "done by hand");

        var preview = await RunMarks.PreviewAsync(request);

        Assert.Equal(ParseSelection("d3: extract.b extract.c transform load.warehouse.x load.y end"), preview.TaskInstances.Select(Short));
        Assert.Equal(new MarkRunResult(6, RunChanged: true), await RunMarks.ExecuteAsync(request, preview));
        var after = await ReadAsync(grid.Engine);
        Assert.Equal(
            Changed(before.TaskInstanceLines,
                "d3 extract.b: success try 1 max 1",
                "d3 extract.c: success try 1 max 1",
                "d3 transform: success try 0 max 3",
                "d3 load.warehouse.x: success try 0 max 1",
                "d3 load.y: success try 0 max 1",
                "d3 end: success try 0 max 0"),
            after.TaskInstanceLines);
        Assert.Equal(before.History, after.History);
        Assert.Equal(Changed(before.RunLines, "d3: success clear 0"), after.RunLines);
        var audit = Assert.Single(after.Audit);
        Assert.Equal((RunStarted, audit.OccurredAt), (after.Runs["d3"].StartDate, after.Runs["d3"].EndDate));
        Assert.Equal(("dag_run.mark_success", 6, D3, "done by hand"), (audit.Action, audit.AffectedCount, Assert.Single(audit.RunIds), audit.Note));
        Assert.Equal(["extract.b", "extract.c", "transform", "load.warehouse.x", "load.y", "end"], audit.TaskIds);
    }

    /// <summary>
    /// Airflow's <c>set_dag_run_state_to_success</c> sets every task instance of the run that is not
    /// success to success, whatever it was: a green run holds no red cell. Removed instances have no
    /// task left, so they stay removed.
    /// </summary>
    [Fact]
    public async Task Mark_run_success_on_a_failed_run_makes_its_failed_upstream_failed_and_skipped_instances_succeed_too()
    {
        await StartAsync();
        await SetStatesAsync(grid.Engine, """
                          start  extract.a  extract.b  extract.c  transform  load.warehouse.x  load.y  end
            d4  failed    S1     F1         UF         SK1        UF         UF                RM      UF
            """);
        var before = await ReadAsync(grid.Engine);
        var request = new MarkRunRequest(DagId, D4, DagRunState.Success, Actor);

        var preview = await RunMarks.PreviewAsync(request);

        Assert.Equal(
            ["extract.a failed → success", "extract.b upstream_failed → success", "extract.c skipped → success", "transform upstream_failed → success",
                "load.warehouse.x upstream_failed → success", "end upstream_failed → success"],
            preview.TaskInstances.Select(t => $"{t.TaskId} {Name(t.State)} → {Name(preview.NewStateOf(t))}"));
        Assert.Equal(new MarkRunResult(6, RunChanged: true), await RunMarks.ExecuteAsync(request, preview));
        var after = await ReadAsync(grid.Engine);
        Assert.Equal(
            Changed(before.TaskInstanceLines,
                "d4 extract.a: success try 1 max 1",
                "d4 extract.b: success try 0 max 1",
                "d4 extract.c: success try 1 max 1",
                "d4 transform: success try 0 max 3",
                "d4 load.warehouse.x: success try 0 max 1",
                "d4 end: success try 0 max 0"),
            after.TaskInstanceLines);
        Assert.Equal(Changed(before.RunLines, "d4: success clear 0"), after.RunLines);
        Assert.Equal(RunEnded, after.Runs["d4"].EndDate); // it had ended; marking it keeps when
    }

    [Fact]
    public async Task Mark_run_success_on_a_successful_run_with_a_skipped_instance_makes_that_instance_succeed()
    {
        var before = await StartAsync();
        var request = new MarkRunRequest(DagId, D2, DagRunState.Success, Actor);

        var preview = await RunMarks.PreviewAsync(request);

        Assert.Null(preview.Blocker);
        Assert.Equal(ParseSelection("d2: load.y"), preview.TaskInstances.Select(Short));
        Assert.Equal(new MarkRunResult(1, RunChanged: false), await RunMarks.ExecuteAsync(request, preview));
        var after = await ReadAsync(grid.Engine);
        Assert.Equal(Changed(before.TaskInstanceLines, "d2 load.y: success try 0 max 1"), after.TaskInstanceLines);
        Assert.Equal(before.RunLines, after.RunLines);
    }

    [Fact]
    public async Task Mark_run_failed_fails_what_runs_skips_the_rest_unfinished_restarting_too_and_leaves_finished_task_instances()
    {
        await StartAsync();
        await SetStatesAsync(grid.Engine, """
                          start  extract.a  extract.b  extract.c  transform  load.warehouse.x  load.y  end
            d3  running   S1     R1         RS1        Q1         SC1        UR1               -       F1
            """);
        var before = await ReadAsync(grid.Engine);
        var request = new MarkRunRequest(DagId, D3, DagRunState.Failed, Actor);

        var preview = await RunMarks.PreviewAsync(request);

        Assert.Equal(
            ["extract.a failed", "extract.b skipped", "extract.c skipped", "transform skipped", "load.warehouse.x skipped", "load.y skipped"],
            preview.TaskInstances.Select(t => $"{t.TaskId} {Name(preview.NewStateOf(t))}"));
        Assert.Equal(new MarkRunResult(6, RunChanged: true), await RunMarks.ExecuteAsync(request, preview));
        var after = await ReadAsync(grid.Engine);
        Assert.Equal(
            Changed(before.TaskInstanceLines,
                "d3 extract.a: failed try 1 max 1",
                "d3 extract.b: skipped try 1 max 1",
                "d3 extract.c: skipped try 1 max 1",
                "d3 transform: skipped try 1 max 3",
                "d3 load.warehouse.x: skipped try 1 max 1",
                "d3 load.y: skipped try 0 max 1"),
            after.TaskInstanceLines);
        Assert.Equal(Changed(before.RunLines, "d3: failed clear 0"), after.RunLines);
        var audit = Assert.Single(after.Audit);
        Assert.Equal(("dag_run.mark_failed", 6), (audit.Action, audit.AffectedCount));
        Assert.Equal(audit.OccurredAt, after.Runs["d3"].EndDate);
    }

    [Fact]
    public async Task Mark_run_failed_on_a_successful_run_changes_only_the_run_and_keeps_its_end()
    {
        var before = await StartAsync();

        Assert.Equal(new MarkRunResult(0, RunChanged: true), await RunMarks.ExecuteAsync(new MarkRunRequest(DagId, D2, DagRunState.Failed, Actor)));

        var after = await ReadAsync(grid.Engine);
        Assert.Equal(before.TaskInstanceLines, after.TaskInstanceLines);
        Assert.Equal(before.Runs["d2"] with { State = DagRunState.Failed }, after.Runs["d2"]);
        Assert.Equal(("dag_run.mark_failed", 0), (Assert.Single(after.Audit).Action, after.Audit[0].AffectedCount));
    }

    [Fact]
    public async Task Marking_a_run_already_in_that_state_is_refused_and_changes_nothing()
    {
        await StartAsync();
        var rows = await RawRowsAsync(grid.Engine);
        foreach (var (run, state) in new[] { (D1, DagRunState.Failed), (D3, DagRunState.Running) })
        {
            var request = new MarkRunRequest(DagId, run, state, Actor);

            var preview = await RunMarks.PreviewAsync(request);
            var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => RunMarks.ExecuteAsync(request));

            var already = $"Run '{run}' is already {SnakeCase.ToSnakeCase(state)}.";
            Assert.Equal((already, already), (preview.Blocker, refused.Message));
        }

        Assert.Equal(rows, await RawRowsAsync(grid.Engine));
    }

    /// <summary>
    /// Airflow's <c>set_dag_run_state_to_queued</c> changes the run alone, with <c>DagRun.set_state</c>'s
    /// dates: queued anew, not started, not ended, and not counted as a clear. Its task instances keep
    /// their states; the scheduler takes the run up again and runs what has not finished.
    /// </summary>
    [Fact]
    public async Task Mark_run_queued_queues_the_run_alone_afresh_and_uncounted()
    {
        var before = await StartAsync();
        var request = new MarkRunRequest(DagId, D4, DagRunState.Queued, Actor, "rerun what is left");

        var preview = await RunMarks.PreviewAsync(request);

        Assert.Empty(preview.TaskInstances);
        Assert.Equal((DagRunState.Failed, null), (preview.CurrentState, preview.Blocker));
        Assert.Equal(new MarkRunResult(0, RunChanged: true), await RunMarks.ExecuteAsync(request, preview));
        var after = await ReadAsync(grid.Engine);
        Assert.Equal(before.TaskInstanceLines, after.TaskInstanceLines);
        var audit = Assert.Single(after.Audit);
        Assert.Equal(new RunRow(DagRunState.Queued, 0, audit.OccurredAt, null, null), after.Runs["d4"]);
        Assert.Equal(Changed(before.RunLines, "d4: queued clear 0"), after.RunLines);
        Assert.Equal(("dag_run.mark_queued", 0, D4, "rerun what is left"), (audit.Action, audit.AffectedCount, Assert.Single(audit.RunIds), audit.Note));
        Assert.Empty(audit.TaskIds);
    }

    /// <summary>
    /// Running, as Airflow 2's <c>set_dag_run_state_to_running</c> set it: the run alone changes and
    /// starts now (a finished one starts again), without waiting in the queue.
    /// </summary>
    [Fact]
    public async Task Mark_run_running_starts_a_finished_or_queued_run_now_and_changes_no_task_instance()
    {
        var before = await StartAsync();
        await RunMarks.ExecuteAsync(new MarkRunRequest(DagId, D2, DagRunState.Running, Actor));
        var afterD2 = await ReadAsync(grid.Engine);
        var markedAt = afterD2.Audit[^1].OccurredAt;
        Assert.Equal(before.Runs["d2"] with { State = DagRunState.Running, StartDate = markedAt, EndDate = null }, afterD2.Runs["d2"]);

        await RunMarks.ExecuteAsync(new MarkRunRequest(DagId, D4, DagRunState.Queued, Actor));
        await RunMarks.ExecuteAsync(new MarkRunRequest(DagId, D4, DagRunState.Running, Actor));

        var after = await ReadAsync(grid.Engine);
        var (queuedAt, startedAt) = (after.Audit[^2].OccurredAt, after.Audit[^1].OccurredAt);
        Assert.Equal(new RunRow(DagRunState.Running, 0, queuedAt, startedAt, null), after.Runs["d4"]);
        Assert.Equal(before.TaskInstanceLines, after.TaskInstanceLines);
        Assert.Equal(["dag_run.mark_running", "dag_run.mark_queued", "dag_run.mark_running"], after.Audit.Select(a => a.Action));
    }

    [Fact]
    public async Task A_mark_run_confirmed_while_the_run_changed_state_is_refused_as_outdated()
    {
        await StartAsync();
        var request = new MarkRunRequest(DagId, D4, DagRunState.Running, Actor);
        var preview = await RunMarks.PreviewAsync(request);
        await RunMarks.ExecuteAsync(new MarkRunRequest(DagId, D4, DagRunState.Queued, Actor)); // someone else, meanwhile
        var rows = await RawRowsAsync(grid.Engine);

        var refused = await Assert.ThrowsAsync<PreviewOutdatedException>(() => RunMarks.ExecuteAsync(request, preview));

        Assert.Equal($"Nothing was changed, because run '{D4}' is now queued, not failed. Check it and confirm again.", refused.Message);
        Assert.Equal(rows, await RawRowsAsync(grid.Engine));
    }

    [Fact]
    public async Task A_mark_run_confirmed_on_a_preview_that_went_stale_is_refused_and_changes_nothing()
    {
        await StartAsync();
        var request = new MarkRunRequest(DagId, D3, DagRunState.Failed, Actor);
        var preview = await RunMarks.PreviewAsync(request);
        // The executor finishes extract.b's try meanwhile.
        await SetStatesAsync(grid.Engine, """
                          start  extract.a  extract.b  extract.c  transform  load.warehouse.x  load.y  end
            d3  running   S1     S1         S1         UR1        -          -                 -       -
            """);
        var rows = await RawRowsAsync(grid.Engine);

        var refused = await Assert.ThrowsAsync<PreviewOutdatedException>(() => RunMarks.ExecuteAsync(request, preview));

        Assert.Equal(
            "Nothing was changed, because the task instances moved since the preview: " +
            $"extract.b in {D3} left the selection. Check the new list and confirm again.",
            refused.Message);
        Assert.Equal(rows, await RawRowsAsync(grid.Engine));
    }

    private async Task<Snapshot> StartAsync()
    {
        await ResetAsync(grid.Engine);
        return await ReadAsync(grid.Engine);
    }

    private static MarkRequest Mark(
        string targets, TaskInstanceState state, bool upstream = false, bool downstream = false, bool past = false, bool future = false) =>
        new(DagId, ParseTargets(targets), state, new Relatives(upstream, downstream, past, future), Actor);

    /// <summary>The lines of <paramref name="before"/>, with those for the same task instance (or run) as a changed line replaced by it.</summary>
    private static List<string> Changed(IReadOnlyList<string> before, params string[] changed)
    {
        var byKey = changed.ToDictionary(line => line[..line.IndexOf(':', StringComparison.Ordinal)]);
        Assert.All(byKey.Keys, key => Assert.Contains(before, line => line.StartsWith(key + ":", StringComparison.Ordinal)));
        return [.. before.Select(line => byKey.GetValueOrDefault(line[..line.IndexOf(':', StringComparison.Ordinal)], line))];
    }

    private static int Int(JsonDocument json, string name) => json.RootElement.GetProperty(name).GetInt32();
}
