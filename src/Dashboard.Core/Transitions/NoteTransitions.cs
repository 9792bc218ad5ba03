using Dashboard.Core.Persistence;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Transitions;

/// <summary>
/// The one door for notes on runs and task instances. The row is locked while the note is read, so
/// the note an edit replaces is the one it checked and records; each update is announced like any
/// other change of its run (the table's triggers), at commit.
/// </summary>
public static class NoteTransitions
{
    /// <summary>Locks a run and reads its note; null when the DAG has no such run.</summary>
    public static async Task<(long Id, string? Note)?> LockRunAsync(DashboardDbContext db, string dagId, string runId, CancellationToken ct)
    {
        var rows = await db.QueryAsync(
            "SELECT id, note FROM dag_run WHERE dag_id = @dag AND run_id = @run FOR UPDATE",
            r => (r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1)), ct, P("dag", dagId), P("run", runId));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Locks a task instance (not its run) and reads its note; null when the run has no instance of that task, or there is no such run.</summary>
    public static async Task<(long Id, string? Note)?> LockTaskInstanceAsync(
        DashboardDbContext db, string dagId, string runId, string taskId, CancellationToken ct)
    {
        var rows = await db.QueryAsync("""
                SELECT ti.id, ti.note
                FROM task_instance ti JOIN dag_run r ON r.id = ti.dag_run_id
                WHERE r.dag_id = @dag AND r.run_id = @run AND ti.task_id = @task
                FOR UPDATE OF ti
                """,
            r => (r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1)), ct, P("dag", dagId), P("run", runId), P("task", taskId));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <param name="note">The new note; null removes it.</param>
    /// <returns>True when the note changed.</returns>
    public static async Task<bool> SetRunNoteAsync(DashboardDbContext db, long runId, string? note, DateTimeOffset now, CancellationToken ct) =>
        await db.ExecuteAsync(
            "UPDATE dag_run SET note = @note, updated_at = @now WHERE id = @id AND note IS DISTINCT FROM @note",
            ct, P("id", runId), P("note", note), P("now", now)) == 1;

    /// <param name="note">The new note; null removes it.</param>
    /// <returns>True when the note changed.</returns>
    public static async Task<bool> SetTaskInstanceNoteAsync(DashboardDbContext db, long taskInstanceId, string? note, DateTimeOffset now, CancellationToken ct) =>
        await db.ExecuteAsync(
            "UPDATE task_instance SET note = @note, updated_at = @now WHERE id = @id AND note IS DISTINCT FROM @note",
            ct, P("id", taskInstanceId), P("note", note), P("now", now)) == 1;
}
