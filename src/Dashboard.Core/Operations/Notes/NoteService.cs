using Dashboard.Core.Auditing;
using Dashboard.Core.Persistence;
using Dashboard.Core.Security;
using Dashboard.Core.Transitions;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Operations.Notes;

/// <summary>What a note is on: a run, or with <see cref="TaskId"/> one of its task instances.</summary>
public sealed record NoteTarget(string DagId, string RunId, string? TaskId = null)
{
    public static NoteTarget Run(string dagId, string runId) => new(dagId, runId);

    public static NoteTarget TaskInstance(string dagId, string runId, string taskId) => new(dagId, runId, taskId);

    /// <summary>In words, for messages: "run 'x'" or "task 't' in run 'x'".</summary>
    public override string ToString() => TaskId is null ? $"run '{RunId}'" : $"task '{TaskId}' in run '{RunId}'";
}

/// <summary>The note as the person saw it when they began to edit (null: there was none).</summary>
public sealed record SeenNote(string? Text);

/// <param name="Text">The new note, Markdown; blank removes the note.</param>
/// <param name="Seen">
/// When given, the edit is refused if the note changed since (someone else saved meanwhile), so
/// nobody overwrites a note they never saw. Without it the last writer wins.
/// </param>
public sealed record SetNoteRequest(NoteTarget Target, string? Text, Actor Actor, SeenNote? Seen = null, Guid? RequestId = null);

/// <param name="Note">The note as stored now; null when there is none.</param>
/// <param name="Changed">False when the note already was this text (nothing was written or recorded).</param>
public sealed record SetNoteResult(string? Note, bool Changed, bool AlreadyApplied = false)
{
    public static readonly SetNoteResult Repeated = new(null, false, AlreadyApplied: true);
}

/// <summary>The note changed after the person began to edit it; nothing was saved.</summary>
/// <param name="Current">The note as it is now, to show them.</param>
public sealed class NoteChangedException(string message, string? current) : OperationRefusedException(message)
{
    public string? Current { get; } = current;
}

/// <summary>
/// Sets, replaces or removes the Markdown note of a run or of a task instance (Airflow's run and
/// task-instance notes). Like every action it runs through <see cref="ActionRunner"/>: the change,
/// its audit row (with the old and the new text) and the change notification that updates every
/// open page commit together. A note on a task instance stays with it through clears and retries.
/// </summary>
public sealed class NoteService(ActionRunner runner, TimeProvider clock)
{
    /// <summary>How much of the old and the new note the audit row keeps; the note itself is on the run or task instance.</summary>
    public const int AuditTextLength = 500;

    /// <exception cref="AccessDeniedException">The actor's role does not allow writing notes.</exception>
    /// <exception cref="OperationRefusedException">The text cannot be a note, or there is no such run or task instance; nothing changed.</exception>
    /// <exception cref="NoteChangedException">The note changed since <see cref="SetNoteRequest.Seen"/>; nothing changed.</exception>
    public Task<SetNoteResult> SetAsync(SetNoteRequest request, CancellationToken ct = default)
    {
        var target = request.Target;
        request.Actor.Demand(Permission.WriteNotes, "write notes");
        if (NoteText.Problem(request.Text) is { } problem)
        {
            throw new OperationRefusedException(problem);
        }

        var note = NoteText.Normalize(request.Text);
        return runner.RunAsync(request.RequestId, async db =>
        {
            await DagAccess.DemandAsync(db, request.Actor, [target.DagId], "write notes", ct);
            var (id, old) = await LockAsync(db, target, ct);
            if (request.Seen is { } seen && NoteText.Normalize(seen.Text) != old)
            {
                throw new NoteChangedException(
                    $"The note on {target} was changed by someone else since you began editing; nothing was saved. " +
                    "Their note is shown now: save again to replace it.", old);
            }

            var now = clock.GetUtcNow();
            var changed = target.TaskId is null
                ? await NoteTransitions.SetRunNoteAsync(db, id, note, now, ct)
                : await NoteTransitions.SetTaskInstanceNoteAsync(db, id, note, now, ct);
            if (changed)
            {
                AuditWriter.Record(db, now, request.Actor,
                    $"{(target.TaskId is null ? "dag_run" : "task_instance")}.{(note is null ? "clear_note" : "set_note")}", target.DagId, 1,
                    new
                    {
                        old_note = NoteText.Shorten(old, AuditTextLength),
                        new_note = NoteText.Shorten(note, AuditTextLength),
                        old_length = old?.Length ?? 0,
                        new_length = note?.Length ?? 0,
                    },
                    runIds: [target.RunId], taskIds: target.TaskId is { } task ? [task] : null, requestId: request.RequestId);
            }

            return new SetNoteResult(note, changed);
        }, SetNoteResult.Repeated, ct);
    }

    /// <exception cref="OperationRefusedException">There is no such run or task instance.</exception>
    private static async Task<(long Id, string? Note)> LockAsync(DashboardDbContext db, NoteTarget target, CancellationToken ct)
    {
        if (target.TaskId is not { } taskId)
        {
            return await NoteTransitions.LockRunAsync(db, target.DagId, target.RunId, ct)
                   ?? throw new OperationRefusedException($"DAG '{target.DagId}' has no run '{target.RunId}'.");
        }

        if (await NoteTransitions.LockTaskInstanceAsync(db, target.DagId, target.RunId, taskId, ct) is { } found)
        {
            return found;
        }

        throw new OperationRefusedException(await db.DagRuns.AnyAsync(r => r.DagId == target.DagId && r.RunId == target.RunId, ct)
            ? $"Run '{target.RunId}' of DAG '{target.DagId}' has no task instance of '{taskId}'."
            : $"DAG '{target.DagId}' has no run '{target.RunId}'.");
    }
}
