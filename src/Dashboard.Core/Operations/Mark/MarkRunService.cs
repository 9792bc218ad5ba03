using Dashboard.Core.Auditing;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Operations.Mark;

/// <param name="NewState">Any run state: success, failed, queued or running.</param>
public sealed record MarkRunRequest(string DagId, string RunId, DagRunState NewState, Actor Actor, string? Note = null, Guid? RequestId = null);

/// <summary>What marking a run does: its new state, and the task instances that change with it, with the state each gets.</summary>
public sealed record MarkRunPreview(string RunId, DagRunState CurrentState, DagRunState NewState, IReadOnlyList<AffectedTaskInstance> TaskInstances)
    : IActionPreview
{
    IReadOnlyList<AffectedTaskInstance> IActionPreview.Affected => TaskInstances;

    public string? Blocker => CurrentState == NewState && TaskInstances.Count == 0
        ? $"Run '{RunId}' is already {SnakeCase.ToSnakeCase(NewState)}."
        : null;

    /// <summary>
    /// Airflow's rule (<c>set_dag_run_state_to_failed</c>): marking a run failed fails its instances
    /// that are running and skips the others that have not finished. Marking it success makes every
    /// instance success, whatever its state.
    /// </summary>
    public TaskInstanceState NewStateOf(AffectedTaskInstance ti) =>
        NewState == DagRunState.Success ? TaskInstanceState.Success
        : ti.State is TaskInstanceState.Running or TaskInstanceState.Deferred or TaskInstanceState.UpForReschedule
            ? TaskInstanceState.Failed
            : TaskInstanceState.Skipped;

    /// <summary>
    /// The task instances a mark to <paramref name="newState"/> changes, of all the run's (Airflow's
    /// <c>set_dag_run_state_to_*</c>): to success, every one not yet success, skipped and failed ones
    /// too; to failed, every unfinished one; to queued or running, none, as only the run's state
    /// changes and its unfinished instances run once the scheduler takes it up again. Removed
    /// instances have no task left, so they stay removed.
    /// </summary>
    public static IEnumerable<AffectedTaskInstance> Changing(IEnumerable<AffectedTaskInstance> all, DagRunState newState) => newState switch
    {
        DagRunState.Success => all.Where(t => t.State is not (TaskInstanceState.Success or TaskInstanceState.Removed)),
        DagRunState.Failed => all.Where(t => !t.State.IsFinished()),
        _ => [],
    };
}

public sealed record MarkRunResult(int TaskInstances, bool RunChanged, bool AlreadyApplied = false)
{
    public static readonly MarkRunResult Repeated = new(0, false, AlreadyApplied: true);
}

/// <summary>Mark a whole run success, failed, queued or running (Airflow's <c>set_dag_run_state_to_*</c>).</summary>
public sealed class MarkRunService(IDbContextFactory<DashboardDbContext> dbFactory, ActionRunner runner, TaskInstanceSelection selection, TimeProvider clock)
{
    public async Task<MarkRunPreview> PreviewAsync(MarkRunRequest request, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await SelectAsync(db, request, lockRuns: false, ct);
    }

    /// <exception cref="OperationRefusedException">The run is already in that state, or does not exist; nothing changed.</exception>
    /// <exception cref="PreviewOutdatedException">The run's task instances changed since <paramref name="confirmed"/>; nothing changed.</exception>
    public Task<MarkRunResult> ExecuteAsync(MarkRunRequest request, MarkRunPreview? confirmed = null, CancellationToken ct = default)
    {
        request.Actor.Demand(Permission.ClearAndMark, "mark runs");
        return runner.RunAsync(request.RequestId, async db =>
        {
            await DagAccess.DemandAsync(db, request.Actor, [request.DagId], "mark runs", ct);
            var preview = await SelectAsync(db, request, lockRuns: true, ct);
            EnsureRunUnchanged(confirmed, preview);
            PreviewCheck.EnsureApplicable(confirmed, preview);

            var now = clock.GetUtcNow();
            var moved = 0;
            foreach (var group in preview.TaskInstances.GroupBy(preview.NewStateOf))
            {
                moved += (await TaskInstanceTransitions.MarkAsync(db, [.. group.Select(t => t.Expected)], group.Key, now, ct)).Count;
            }

            PreviewCheck.EnsureAllMoved(moved, preview.TaskInstances.Count);
            var runId = preview.TaskInstances.FirstOrDefault()?.DagRunId ?? await RunKeyAsync(db, request, ct);
            var runChanged = await DagRunTransitions.MarkAsync(db, runId, request.NewState, now, ct);
            AuditWriter.Record(db, now, request.Actor, $"dag_run.mark_{SnakeCase.ToSnakeCase(request.NewState)}", request.DagId, moved,
                new { from_state = SnakeCase.ToSnakeCase(preview.CurrentState), task_instances = moved },
                runIds: [request.RunId], taskIds: preview.TaskInstances.Select(t => t.TaskId), note: request.Note, requestId: request.RequestId);
            return new MarkRunResult(moved, runChanged);
        }, MarkRunResult.Repeated, ct);
    }

    private async Task<MarkRunPreview> SelectAsync(DashboardDbContext db, MarkRunRequest request, bool lockRuns, CancellationToken ct)
    {
        var all = await selection.SelectAsync(db, request.DagId, [TaskTarget.WholeRun(request.RunId)], Relatives.None, lockRuns, ct);
        var current = all.FirstOrDefault()?.RunState ?? await RunStateAsync(db, request, ct);
        return new MarkRunPreview(request.RunId, current, request.NewState, [.. MarkRunPreview.Changing(all, request.NewState)]);
    }

    /// <summary>
    /// The run itself must still be in the state the person saw: a mark to queued or running changes
    /// no task instance, so the run's state is all its preview shows.
    /// </summary>
    /// <exception cref="PreviewOutdatedException">The run's state changed since <paramref name="confirmed"/>.</exception>
    private static void EnsureRunUnchanged(MarkRunPreview? confirmed, MarkRunPreview current)
    {
        if (confirmed is not null && confirmed.CurrentState != current.CurrentState)
        {
            throw new PreviewOutdatedException(
                $"Nothing was changed, because run '{current.RunId}' is now {SnakeCase.ToSnakeCase(current.CurrentState)}, " +
                $"not {SnakeCase.ToSnakeCase(confirmed.CurrentState)}. Check it and confirm again.");
        }
    }

    /// <summary>A run without task instances (its version had no tasks) still has a state to mark.</summary>
    private static async Task<DagRunState> RunStateAsync(DashboardDbContext db, MarkRunRequest request, CancellationToken ct) =>
        await db.DagRuns.Where(r => r.DagId == request.DagId && r.RunId == request.RunId).Select(r => r.State).SingleAsync(ct);

    private static async Task<long> RunKeyAsync(DashboardDbContext db, MarkRunRequest request, CancellationToken ct) =>
        await db.DagRuns.Where(r => r.DagId == request.DagId && r.RunId == request.RunId).Select(r => r.Id).SingleAsync(ct);
}
