using Dashboard.Core.Domain;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Backfill;
using Dashboard.Core.Operations.Clear;
using Dashboard.Core.Operations.Mark;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Operations.Versions;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dashboard.Tests.Operations;

/// <summary>
/// Re-runs run the DAG as its file is now. A run of version 1 (extract → transform → old_report) is
/// re-run after the file became version 2, which removes old_report, adds check and new_report, and
/// gives transform no upstream: Clear, Clear &amp; Retry and a backfill move the run to version 2 as
/// Airflow's integrity check would, unless asked to keep its version; Mark never moves it.
/// </summary>
public sealed class RerunVersionTests : IAsyncLifetime
{
    private const string Version1 = """
        dag_id: evolving
        schedule: "@daily"
        start_date: 2026-09-01
        default_args: {retries: 1}
        tasks:
          - {id: extract, kind: empty}
          - {id: transform, kind: empty, upstream: extract}
          - {id: old_report, kind: empty, upstream: transform}
        """;

    private const string Version2 = """
        dag_id: evolving
        schedule: "@daily"
        start_date: 2026-09-01
        default_args: {retries: 3}
        tasks:
          - {id: extract, kind: empty}
          - {id: check, kind: empty, upstream: extract}
          - {id: transform, kind: empty}
          - {id: new_report, kind: empty, upstream: [transform, check]}
        """;

    private static readonly DateTimeOffset September1 = new(2026, 9, 1, 0, 0, 0, TimeSpan.Zero);

    private EngineHarness _engine = null!;
    private string _run = "";
    private int _v1;
    private int _v2;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        await _engine.AddDagAsync(Version1, unpause: false);
        _v1 = await CurrentVersionAsync();
        _run = (await _engine.CreateRunsAsync("evolving", EngineHarness.RunFor(DagRunType.Scheduled, new(September1, September1.AddDays(1))))).Keys.Single();
        await using (var db = _engine.CreateContext())
        {
            // It ran and failed before the file was fixed, so it stays on version 1 (unfinished runs follow the file).
            await db.ExecuteAsync("""
                UPDATE task_instance SET try_number = 1, state = CASE task_id WHEN 'extract' THEN 'success' WHEN 'transform' THEN 'failed' ELSE 'upstream_failed' END;
                UPDATE dag_run SET state = 'failed', start_date = now(), end_date = now();
                """, CancellationToken.None);
        }

        await _engine.AddDagAsync(Version2, unpause: false);
        _v2 = await CurrentVersionAsync();
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private ClearService Clear => _engine.Services.GetRequiredService<ClearService>();

    private static readonly Dashboard.Core.Security.Actor Alice = Actors.Admin("alice");

    private ClearRequest ClearTransform(Relatives relatives, bool keep = false) =>
        new("evolving", [TaskTarget.Task(_run, "transform")], new ClearOptions(relatives, KeepVersions: keep), Alice);

    // ---- Clear ----

    [Fact]
    public async Task A_clear_moves_the_run_to_the_current_version_removing_and_adding_tasks_and_the_preview_says_so()
    {
        var request = ClearTransform(new Relatives(Upstream: true, Downstream: true));
        var preview = await Clear.PreviewAsync(request);

        // Relatives come from version 2: transform has no upstream there, and its only downstream task is new.
        Assert.Equal(["transform"], preview.TaskInstances.Select(t => t.TaskId));
        var move = Assert.Single(preview.Versions.Moves);
        Assert.Equal(("v1 → v2", _run), (move.Change.Label, move.RunId));
        Assert.Equal(["check", "new_report"], move.Change.Added);
        Assert.Equal(["old_report"], move.Change.Removed);
        Assert.Null(preview.Versions.FileNote);

        var result = await Clear.ExecuteAsync(request, preview);

        Assert.Equal((1, 1), (result.Cleared, result.RunsRequeued));
        var run = await RunAsync();
        Assert.Equal((_v2, DagRunState.Queued, 1), (run.DagVersionId, run.State, run.ClearNumber));
        var tis = await InstancesAsync();
        Assert.Equal(TaskInstanceState.Success, tis["extract"].State); // not cleared: keeps its state and the version it ran
        Assert.Equal(_v1, tis["extract"].DagVersionId);
        Assert.Equal((null, _v2, 1 + 3), (tis["transform"].State, tis["transform"].DagVersionId, tis["transform"].MaxTries));
        Assert.Equal(TaskInstanceState.Removed, tis["old_report"].State);
        Assert.Equal((null, 0, _v2), (tis["check"].State, tis["check"].TryNumber, tis["check"].DagVersionId));
        Assert.Equal((null, 0, _v2), (tis["new_report"].State, tis["new_report"].TryNumber, tis["new_report"].DagVersionId));

        // The archived try remembers the version it ran.
        await using var db = _engine.CreateContext();
        Assert.Equal(_v1, (await db.TaskInstanceHistory.SingleAsync(h => h.TaskId == "transform")).DagVersionId);
        var audit = await db.AuditLog.SingleAsync(a => a.Action == "task_instance.clear");
        var moved = System.Text.Json.JsonDocument.Parse(audit.Details).RootElement.GetProperty("versions").GetProperty("moved")[0];
        Assert.Equal((1, 2, "old_report", "check,new_report"), (moved.GetProperty("from").GetInt32(), moved.GetProperty("to").GetInt32(),
            moved.GetProperty("removed")[0].GetString(), string.Join(',', moved.GetProperty("added").EnumerateArray().Select(a => a.GetString()))));
    }

    [Fact]
    public async Task Keeping_the_version_clears_on_the_runs_own_version_and_changes_no_task()
    {
        var request = ClearTransform(new Relatives(Upstream: true, Downstream: true), keep: true);
        var preview = await Clear.PreviewAsync(request);

        // In version 1 transform has extract upstream and old_report downstream.
        Assert.Equal(["extract", "transform", "old_report"], preview.TaskInstances.Select(t => t.TaskId));
        Assert.Empty(preview.Versions.Moves);
        Assert.Equal([_run], preview.Versions.Behind.Select(m => m.RunId)); // the dialog still offers to move it

        await Clear.ExecuteAsync(request, preview);

        Assert.Equal(_v1, (await RunAsync()).DagVersionId);
        var tis = await InstancesAsync();
        Assert.Equal(["extract", "old_report", "transform"], tis.Keys.Order());
        Assert.All(tis.Values, ti => Assert.Equal((null, _v1), (ti.State, ti.DagVersionId)));
        Assert.Equal(1 + 1, tis["transform"].MaxTries); // version 1's retries
    }

    [Fact]
    public async Task Clear_and_retry_of_the_run_moves_it_and_clears_every_instance_whose_task_remains()
    {
        var request = ClearRequest.ForRun("evolving", _run, onlyFailed: false, Alice);
        var preview = await Clear.PreviewAsync(request);

        Assert.Equal(["extract", "transform"], preview.TaskInstances.Select(t => t.TaskId));
        Assert.Equal("v1 → v2", Assert.Single(preview.Versions.Moves).Change.Label);

        await Clear.ExecuteAsync(request, preview);

        var tis = await InstancesAsync();
        Assert.Equal(_v2, (await RunAsync()).DagVersionId);
        Assert.Equal(TaskInstanceState.Removed, tis["old_report"].State);
        Assert.All(new[] { "extract", "transform", "check", "new_report" }, t => Assert.Equal((null, _v2), (tis[t].State, tis[t].DagVersionId)));
        await using var db = _engine.CreateContext();
        Assert.Equal("dag_run.clear", (await db.AuditLog.SingleAsync()).Action);
    }

    [Fact]
    public async Task Only_failed_moves_only_runs_that_hold_something_to_clear()
    {
        await using (var db = _engine.CreateContext())
        {
            await db.ExecuteAsync("UPDATE task_instance SET state = 'success'", CancellationToken.None);
        }

        var preview = await Clear.PreviewAsync(ClearRequest.ForRun("evolving", _run, onlyFailed: true, Alice));

        Assert.Empty(preview.TaskInstances);
        Assert.Empty(preview.Versions.Moves);
        Assert.NotNull(preview.Blocker);
    }

    [Fact]
    public async Task A_mark_never_moves_a_run()
    {
        var mark = _engine.Services.GetRequiredService<MarkService>();
        var request = new MarkRequest("evolving", [TaskTarget.Task(_run, "transform")], TaskInstanceState.Success, Relatives.None, Alice);

        var preview = await mark.PreviewAsync(request);
        await mark.ExecuteAsync(request, preview);

        Assert.Equal(_v1, (await RunAsync()).DagVersionId);
        var tis = await InstancesAsync();
        Assert.Equal(["extract", "old_report", "transform"], tis.Keys.Order());
        Assert.Equal(TaskInstanceState.Success, tis["transform"].State);
        Assert.Null(tis["old_report"].State); // the failed downstream is cleared, on the run's own version
        Assert.Equal(_v1, tis["old_report"].DagVersionId);
    }

    // ---- Races and a broken file ----

    [Fact]
    public async Task A_file_change_between_preview_and_confirm_makes_the_preview_outdated_and_changes_nothing()
    {
        var request = ClearTransform(new Relatives(Downstream: true));
        var preview = await Clear.PreviewAsync(request);
        await _engine.AddDagAsync(Version2.Replace("retries: 3", "retries: 4", StringComparison.Ordinal), unpause: false);

        var outdated = await Assert.ThrowsAsync<PreviewOutdatedException>(() => Clear.ExecuteAsync(request, preview));

        Assert.Contains("the DAG file changed: the current version is now v3, not v2", outdated.Message, StringComparison.Ordinal);
        Assert.Equal(_v1, (await RunAsync()).DagVersionId);
        Assert.Equal(TaskInstanceState.Failed, (await InstancesAsync())["transform"].State);
        var fresh = await Clear.PreviewAsync(request);
        Assert.Equal("v1 → v3", Assert.Single(fresh.Versions.Moves).Change.Label);
    }

    [Fact]
    public async Task A_clear_waits_for_a_file_change_in_flight_and_then_applies_the_version_that_change_made_current()
    {
        // Version 3 exists, but the DAG-file processor's transaction that makes it current has not committed yet.
        await _engine.AddDagAsync(Version2.Replace("retries: 3", "retries: 4", StringComparison.Ordinal), unpause: false);
        var v3 = await CurrentVersionAsync();
        await using (var db = _engine.CreateContext())
        {
            await db.ExecuteAsync($"UPDATE dag SET current_version_id = {_v2}", CancellationToken.None);
        }

        await using var processor = new NpgsqlConnection(_engine.ConnectionString);
        await processor.OpenAsync();
        await using var fileChange = await processor.BeginTransactionAsync();
        await using (var update = new NpgsqlCommand($"UPDATE dag SET current_version_id = {v3} WHERE dag_id = 'evolving'", processor, fileChange))
        {
            await update.ExecuteNonQueryAsync();
        }

        // Unconfirmed, as the command line clears: it must apply one version, whole.
        var clearing = Clear.ExecuteAsync(ClearTransform(new Relatives(Downstream: true)));
        await WaitUntilBlockedOnALockAsync();
        Assert.False(clearing.IsCompleted);
        await fileChange.CommitAsync();
        await clearing;

        Assert.Equal(v3, (await RunAsync()).DagVersionId);
        var tis = await InstancesAsync();
        Assert.Equal((v3, 1 + 4), (tis["transform"].DagVersionId, tis["transform"].MaxTries));
        Assert.Equal(v3, tis["check"].DagVersionId);
    }

    [Fact]
    public async Task A_dag_whose_file_no_longer_loads_re_runs_its_last_good_version_and_the_preview_says_so()
    {
        _engine.WriteDagFile("evolving.yaml", Version2 + "  - {id: broken, upstream: nowhere}\n");
        await _engine.ProcessDagFilesAsync();

        var preview = await Clear.PreviewAsync(ClearTransform(Relatives.None));

        Assert.Equal(DagFileStatus.Broken, preview.Versions.FileStatus);
        Assert.StartsWith("The DAG file evolving.yaml does not load (see its import errors), so re-runs use the last good version, v2, parsed ",
            preview.Versions.FileNote, StringComparison.Ordinal);
        Assert.Equal("v1 → v2", Assert.Single(preview.Versions.Moves).Change.Label);

        _engine.DeleteDagFile("evolving.yaml");
        await _engine.ProcessDagFilesAsync();
        var gone = await Clear.PreviewAsync(ClearTransform(Relatives.None));
        Assert.Equal(DagFileStatus.Gone, gone.Versions.FileStatus);
        Assert.StartsWith("The DAG file evolving.yaml is gone, so re-runs use its last version, v2", gone.Versions.FileNote, StringComparison.Ordinal);
    }

    // ---- Backfill ----

    [Fact]
    public async Task A_backfill_that_re_runs_a_run_moves_it_unless_asked_to_keep_its_version()
    {
        var backfills = _engine.Services.GetRequiredService<BackfillService>();
        var request = new BackfillRequest("evolving", September1, September1.AddDays(1), Alice, ReprocessBehavior.Completed);

        var kept = await backfills.PreviewAsync(request with { KeepVersions = true });
        var plan = await backfills.PreviewAsync(request);

        var rerun = plan.Slots.Single(s => s.Action == SlotAction.Rerun);
        Assert.Null(kept.MoveOf(kept.Slots.Single(s => s.Action == SlotAction.Rerun)));
        var move = plan.MoveOf(rerun)!;
        Assert.Equal(("v1 → v2", "check,new_report", "old_report"), (move.Change.Label, string.Join(',', move.Change.Added), string.Join(',', move.Change.Removed)));
        Assert.Equal(SlotAction.Create, plan.Slots.Single(s => s.LogicalDate == September1.AddDays(1)).Action);

        await Assert.ThrowsAsync<PreviewOutdatedException>(() => backfills.CreateAsync(request with { PreviewedVersionId = _v1 }));
        await backfills.CreateAsync(request with { PreviewedVersionId = _v2 });

        var runs = await _engine.RunsAsync("evolving");
        Assert.All(runs, r => Assert.Equal(_v2, r.DagVersionId));
        var tis = await InstancesAsync();
        Assert.Equal(TaskInstanceState.Removed, tis["old_report"].State);
        Assert.All(new[] { "extract", "transform", "check", "new_report" }, t => Assert.Equal((null, _v2), (tis[t].State, tis[t].DagVersionId)));
    }

    // ---- Helpers ----

    private async Task<int> CurrentVersionAsync()
    {
        await using var db = _engine.CreateContext();
        return (await db.Dags.SingleAsync(d => d.DagId == "evolving")).CurrentVersionId!.Value;
    }

    private async Task<DagRun> RunAsync()
    {
        await using var db = _engine.CreateContext();
        return await db.DagRuns.AsNoTracking().SingleAsync(r => r.RunId == _run);
    }

    private async Task<Dictionary<string, TaskInstance>> InstancesAsync()
    {
        await using var db = _engine.CreateContext();
        var run = await db.DagRuns.AsNoTracking().SingleAsync(r => r.RunId == _run);
        return await db.TaskInstances.AsNoTracking().Where(t => t.DagRunId == run.Id).ToDictionaryAsync(t => t.TaskId);
    }

    /// <summary>Until some other session of this database waits for a lock: the clear, on the DAG row.</summary>
    private async Task WaitUntilBlockedOnALockAsync()
    {
        await _engine.WaitUntilAsync(async () =>
        {
            await using var db = _engine.CreateContext();
            return (await db.QueryAsync(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                r => r.GetInt64(0), CancellationToken.None))[0] > 0;
        });
    }
}
