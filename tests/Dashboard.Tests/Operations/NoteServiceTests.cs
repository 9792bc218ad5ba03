using System.Runtime.CompilerServices;
using System.Text.Json;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Notes;
using Dashboard.Core.Queries.Grid;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Dashboard.Tests.Operations.GridDag;

namespace Dashboard.Tests.Operations;

/// <summary>
/// Notes on runs and task instances, on <see cref="GridDag"/>: set, replaced and removed through
/// the action runner with an audit row each, refused (with nothing changed) for a Viewer, for text
/// that cannot be a note, for a run or task instance that does not exist and for a stale edit.
/// </summary>
public sealed class NoteServiceTests(GridDagFixture grid) : IClassFixture<GridDagFixture>, IAsyncLifetime
{
    private NoteService Notes => grid.Engine.Services.GetRequiredService<NoteService>();

    public Task InitializeAsync() => ResetAsync(grid.Engine);

    public Task DisposeAsync() => Task.CompletedTask;

    private static SetNoteRequest Set(NoteTarget target, string? text, Actor? actor = null, SeenNote? seen = null, Guid? requestId = null) =>
        new(target, text, actor ?? Actors.As(Role.User, "uma"), seen, requestId);

    private static NoteTarget RunNote => NoteTarget.Run(DagId, D1);

    private static NoteTarget TaskNote => NoteTarget.TaskInstance(DagId, D1, "extract.b");

    [Fact]
    public async Task A_run_note_is_set_replaced_and_cleared_with_an_audit_row_each()
    {
        Assert.Equal(new SetNoteResult("Bad **input** file", true), await Notes.SetAsync(Set(RunNote, "  Bad **input** file \n")));
        Assert.Equal("Bad **input** file", await RunNoteAsync(D1));

        await Notes.SetAsync(Set(RunNote, "Re-run after the vendor fixed it"));
        Assert.Equal("Re-run after the vendor fixed it", await RunNoteAsync(D1));

        Assert.Equal(new SetNoteResult(null, true), await Notes.SetAsync(Set(RunNote, "   ")));
        Assert.Null(await RunNoteAsync(D1));

        var audit = await AuditAsync();
        Assert.Equal(["dag_run.set_note", "dag_run.set_note", "dag_run.clear_note"], audit.Select(a => a.Action));
        Assert.All(audit, a => Assert.Equal(("uma", DagId, 1, D1), (a.Actor, a.DagId, a.AffectedCount, Assert.Single(a.RunIds))));
        Assert.All(audit, a => Assert.Empty(a.TaskIds));
        Assert.Equal(
            [(null, "Bad **input** file"), ("Bad **input** file", "Re-run after the vendor fixed it"), ("Re-run after the vendor fixed it", null)],
            audit.Select(OldAndNew));
    }

    [Fact]
    public async Task A_task_instance_note_is_set_replaced_and_cleared_and_touches_nothing_else()
    {
        var before = await ReadAsync(grid.Engine);

        await Notes.SetAsync(Set(TaskNote, "Flaky upstream API"));
        Assert.Equal("Flaky upstream API", await TaskNoteAsync(D1, "extract.b"));
        await Notes.SetAsync(Set(TaskNote, "Flaky upstream API; ticket OPS-12"));
        Assert.Equal("Flaky upstream API; ticket OPS-12", await TaskNoteAsync(D1, "extract.b"));

        var after = await ReadAsync(grid.Engine);
        Assert.Equal(before.TaskInstanceLines, after.TaskInstanceLines);
        Assert.Equal(before.RunLines, after.RunLines);
        Assert.Null(await RunNoteAsync(D1));
        Assert.Null(await TaskNoteAsync(D2, "extract.b"));

        await Notes.SetAsync(Set(TaskNote, null));
        Assert.Null(await TaskNoteAsync(D1, "extract.b"));

        var audit = await AuditAsync();
        Assert.Equal(["task_instance.set_note", "task_instance.set_note", "task_instance.clear_note"], audit.Select(a => a.Action));
        Assert.All(audit, a => Assert.Equal((D1, "extract.b"), (Assert.Single(a.RunIds), Assert.Single(a.TaskIds))));
        Assert.Equal(("Flaky upstream API; ticket OPS-12", null), OldAndNew(audit[2]));
    }

    [Fact]
    public async Task Saving_the_note_it_already_has_changes_and_records_nothing()
    {
        await Notes.SetAsync(Set(TaskNote, "same"));
        var rows = await RawRowsAsync(grid.Engine);

        Assert.Equal(new SetNoteResult("same", false), await Notes.SetAsync(Set(TaskNote, " same ")));
        Assert.Equal(new SetNoteResult(null, false), await Notes.SetAsync(Set(RunNote, "")));

        Assert.Equal(rows, await RawRowsAsync(grid.Engine));
    }

    [Fact]
    public async Task The_audit_row_keeps_the_start_of_a_long_note_and_its_length()
    {
        var longNote = new string('a', 9_000) + "\n" + new string('b', 999);

        await Notes.SetAsync(Set(RunNote, longNote));

        Assert.Equal(longNote, await RunNoteAsync(D1)); // exactly the limit: kept whole
        var (old, @new) = OldAndNew(Assert.Single(await AuditAsync()));
        Assert.Null(old);
        Assert.Equal(new string('a', NoteService.AuditTextLength) + "…", @new);
        using var details = JsonDocument.Parse((await AuditAsync())[0].Details);
        Assert.Equal(NoteText.MaxLength, details.RootElement.GetProperty("new_length").GetInt32());
    }

    /// <summary>By name: the test runner would replace a lone surrogate in theory data before the test sees it.</summary>
    public static TheoryData<string, string> Refusals() => new()
    {
        { "too long", "at most 10,000 characters; this one has 10,001" },
        { "nul", "cannot contain NUL characters" },
        { "lone surrogate", "valid Unicode text" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Text_that_cannot_be_a_note_is_refused_with_nothing_changed(string kind, string reason)
    {
        var text = kind switch
        {
            "too long" => "  " + new string('x', NoteText.MaxLength + 1) + "  ",
            "nul" => "before\0after",
            _ => "broken " + '\ud800' + " surrogate",
        };
        var rows = await RawRowsAsync(grid.Engine);

        foreach (var target in new[] { RunNote, TaskNote })
        {
            var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => Notes.SetAsync(Set(target, text)));
            Assert.Contains(reason, refused.Message);
        }

        Assert.Equal(rows, await RawRowsAsync(grid.Engine));
    }

    [Fact]
    public async Task A_viewer_may_not_write_notes_and_a_user_may()
    {
        var rows = await RawRowsAsync(grid.Engine);

        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => Notes.SetAsync(Set(TaskNote, "mine", Actors.As(Role.Viewer, "vic"))));

        Assert.Equal("vic may not write notes: that needs the User role, and vic has the Viewer role.", refused.Message);
        Assert.Equal(rows, await RawRowsAsync(grid.Engine));
        Assert.False(Actors.As(Role.Viewer).Can(Permission.WriteNotes));
        Assert.True(Actors.As(Role.User).Can(Permission.WriteNotes));
        Assert.True((await Notes.SetAsync(Set(TaskNote, "mine", Actors.As(Role.User)))).Changed);
    }

    [Fact]
    public async Task A_note_on_a_run_or_task_instance_that_does_not_exist_is_refused()
    {
        var rows = await RawRowsAsync(grid.Engine);

        var noRun = await Assert.ThrowsAsync<OperationRefusedException>(() => Notes.SetAsync(Set(NoteTarget.Run(DagId, "nope"), "x")));
        var noDag = await Assert.ThrowsAsync<OperationRefusedException>(() => Notes.SetAsync(Set(NoteTarget.TaskInstance("other", D1, "start"), "x")));
        var noTask = await Assert.ThrowsAsync<OperationRefusedException>(() => Notes.SetAsync(Set(NoteTarget.TaskInstance(DagId, D1, "nope"), "x")));

        Assert.Equal("DAG 'grid' has no run 'nope'.", noRun.Message);
        Assert.Equal($"DAG 'other' has no run '{D1}'.", noDag.Message);
        Assert.Equal($"Run '{D1}' of DAG 'grid' has no task instance of 'nope'.", noTask.Message);
        Assert.Equal(rows, await RawRowsAsync(grid.Engine));
    }

    [Fact]
    public async Task An_edit_of_a_note_that_changed_since_it_was_opened_is_refused_when_asked_and_otherwise_the_last_writer_wins()
    {
        await Notes.SetAsync(Set(TaskNote, "first"));
        await Notes.SetAsync(Set(TaskNote, "someone else's", Actors.As(Role.Op, "olga")));

        var stale = await Assert.ThrowsAsync<NoteChangedException>(() => Notes.SetAsync(Set(TaskNote, "mine", seen: new SeenNote("first"))));
        Assert.Equal("someone else's", stale.Current);
        Assert.Contains("changed by someone else since you began editing", stale.Message);
        Assert.Equal("someone else's", await TaskNoteAsync(D1, "extract.b"));

        // Seen as it is now: saved. A note that did not exist is seen as null.
        Assert.True((await Notes.SetAsync(Set(TaskNote, "mine", seen: new SeenNote("someone else's")))).Changed);
        Assert.True((await Notes.SetAsync(Set(RunNote, "run", seen: new SeenNote(null)))).Changed);
        await Assert.ThrowsAsync<NoteChangedException>(() => Notes.SetAsync(Set(RunNote, "again", seen: new SeenNote(null))));

        // Without what was seen: last writer wins.
        Assert.True((await Notes.SetAsync(Set(TaskNote, "last"))).Changed);
        Assert.Equal("last", await TaskNoteAsync(D1, "extract.b"));
    }

    [Fact]
    public async Task The_same_request_sent_twice_is_applied_once()
    {
        var id = Guid.NewGuid();

        Assert.True((await Notes.SetAsync(Set(RunNote, "once", requestId: id))).Changed);
        Assert.True((await Notes.SetAsync(Set(RunNote, "once", requestId: id))).AlreadyApplied);

        Assert.Single(await AuditAsync());
    }

    [Fact]
    public async Task A_saved_note_announces_its_run_at_commit_so_open_pages_update()
    {
        await grid.Engine.StartListeningAsync();
        var runKeys = (await grid.Engine.RunsAsync(DagId)).ToDictionary(r => r.RunId, r => r.Id);

        using (var changes = RecordedChanges.Subscribe(grid.Engine.Notifier, DagId))
        {
            await Notes.SetAsync(Set(TaskNote, "task note"));
            await changes.WaitForRunAsync(runKeys[D1]);
        }

        using (var changes = RecordedChanges.Subscribe(grid.Engine.Notifier, DagId))
        {
            await Notes.SetAsync(Set(NoteTarget.Run(DagId, D2), "run note"));
            await changes.WaitForRunAsync(runKeys[D2]);
        }
    }

    [Fact]
    public async Task The_grid_snapshot_flags_the_cells_and_runs_that_have_a_note()
    {
        await Notes.SetAsync(Set(TaskNote, "task note"));
        await Notes.SetAsync(Set(NoteTarget.TaskInstance(DagId, M, "start"), "another"));
        await Notes.SetAsync(Set(NoteTarget.Run(DagId, D3), "run note"));

        var snapshot = await grid.Engine.Services.GetRequiredService<GridQuery>().LoadAsync(new GridRequest(DagId));

        Assert.NotNull(snapshot);
        var noted = snapshot.Tasks.SelectMany((task, t) => snapshot.Runs.Select((run, r) => (run.RunId, task.TaskId, snapshot.Cell(t, r))))
            .Where(c => c.Item3.HasNote).Select(c => (c.RunId, c.TaskId));
        Assert.Equal([(M, "start"), (D1, "extract.b")], noted.Order());
        Assert.Equal([D3], snapshot.Runs.Where(r => r.HasNote).Select(r => r.RunId));
        Assert.Equal(1, Unsafe.SizeOf<GridCell>()); // the flag shares the cell's one byte with its state
        // The flag is all the grid carries: a cell with a note still says its state.
        Assert.Equal(TaskInstanceState.Failed, snapshot.Cell(snapshot.Tasks.ToList().FindIndex(t => t.TaskId == "extract.b"), snapshot.RunIndex(D1)).State);
    }

    private static (string? Old, string? New) OldAndNew(AuditLogEntry audit)
    {
        using var details = JsonDocument.Parse(audit.Details);
        return (Text(details, "old_note"), Text(details, "new_note"));
    }

    private static string? Text(JsonDocument json, string name) =>
        json.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private async Task<List<AuditLogEntry>> AuditAsync()
    {
        await using var db = grid.Engine.CreateContext();
        return await db.AuditLog.AsNoTracking().OrderBy(a => a.Id).ToListAsync();
    }

    private async Task<string?> RunNoteAsync(string runId)
    {
        await using var db = grid.Engine.CreateContext();
        return await db.DagRuns.Where(r => r.DagId == DagId && r.RunId == runId).Select(r => r.Note).SingleAsync();
    }

    private async Task<string?> TaskNoteAsync(string runId, string taskId) => (await grid.Engine.TaskInstanceAsync(DagId, runId, taskId)).Note;
}
