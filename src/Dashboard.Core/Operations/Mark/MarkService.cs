using Dashboard.Core.Auditing;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Operations.Mark;

/// <param name="NewState">Success, failed or skipped, the states Airflow lets a person set.</param>
public sealed record MarkRequest(
    string DagId, IReadOnlyList<TaskTarget> Targets, TaskInstanceState NewState, Relatives Relatives, Actor Actor,
    string? Note = null, Guid? RequestId = null);

/// <summary>
/// What a mark would do: the instances set to the new state, and, after a mark success or skipped,
/// the failed and upstream_failed instances downstream that are cleared so their runs resume.
/// </summary>
public sealed record MarkPreview(TaskInstanceState NewState, IReadOnlyList<AffectedTaskInstance> ToMark, IReadOnlyList<AffectedTaskInstance> ToClear)
    : IActionPreview
{
    public IReadOnlyList<AffectedTaskInstance> All => [.. ToMark, .. ToClear];

    IReadOnlyList<AffectedTaskInstance> IActionPreview.Affected => All;

    public string? Blocker => ToMark.Count == 0
        ? $"Nothing to mark: every selected task instance is already {SnakeCase.ToSnakeCase(NewState)}."
        : null;
}

public sealed record MarkResult(int Marked, int Cleared, int RunsRequeued, bool AlreadyApplied = false)
{
    public static readonly MarkResult Repeated = new(0, 0, 0, AlreadyApplied: true);
}

/// <summary>Mark success, failed or skipped, for task instances (Airflow's <c>set_task_instance_state</c>).</summary>
public sealed class MarkService(IDbContextFactory<DashboardDbContext> dbFactory, ActionRunner runner, TaskInstanceSelection selection, TimeProvider clock)
{
    public async Task<MarkPreview> PreviewAsync(MarkRequest request, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await SelectAsync(db, request, lockRuns: false, ct);
    }

    /// <param name="confirmed">The preview the person confirmed; when given, the mark applies only if the selection is still exactly that.</param>
    /// <exception cref="OperationRefusedException">Nothing to mark, or a target that does not exist; nothing changed.</exception>
    /// <exception cref="PreviewOutdatedException">The selection changed since <paramref name="confirmed"/>; nothing changed.</exception>
    public Task<MarkResult> ExecuteAsync(MarkRequest request, MarkPreview? confirmed = null, CancellationToken ct = default)
    {
        request.Actor.Demand(Permission.ClearAndMark, "mark task instances");
        return runner.RunAsync(request.RequestId, async db =>
        {
            await DagAccess.DemandAsync(db, request.Actor, [request.DagId], "mark task instances", ct);
            var preview = await SelectAsync(db, request, lockRuns: true, ct);
            PreviewCheck.EnsureApplicable(confirmed, preview);

            var now = clock.GetUtcNow();
            var markedRuns = await TaskInstanceTransitions.MarkAsync(db, [.. preview.ToMark.Select(t => t.Expected)], request.NewState, now, ct);
            PreviewCheck.EnsureAllMoved(markedRuns.Count, preview.ToMark.Count);
            var cleared = await TaskInstanceTransitions.ClearAsync(db, [.. preview.ToClear.Select(t => t.Expected)], now, ct);
            PreviewCheck.EnsureAllMoved(cleared.TaskInstances, preview.ToClear.Count);

            // A finished run whose instances were changed by hand is decided again by the scheduler, so
            // marking the failed task of a failed run success lets the run succeed.
            var requeued = cleared.RunsRequeued + await DagRunTransitions.RequeueAsync(db, [.. markedRuns.Distinct()], now, ct);
            Audit(db, request, preview, cleared, requeued, now);
            return new MarkResult(preview.ToMark.Count, cleared.TaskInstances, requeued);
        }, MarkResult.Repeated, ct);
    }

    private async Task<MarkPreview> SelectAsync(DashboardDbContext db, MarkRequest request, bool lockRuns, CancellationToken ct)
    {
        if (request.NewState is not (TaskInstanceState.Success or TaskInstanceState.Failed or TaskInstanceState.Skipped))
        {
            throw new OperationRefusedException(
                $"Task instances can be marked success, failed or skipped, not {SnakeCase.ToSnakeCase(request.NewState)}.");
        }

        var selected = await selection.SelectAsync(db, request.DagId, request.Targets, request.Relatives, lockRuns, ct);
        EnsureEveryTaskHasAnInstance(request.Targets, selected);
        var toMark = selected.Where(t => t.State != request.NewState).ToList();
        if (!ResumesDownstream(request.NewState) || toMark.Count == 0)
        {
            return new MarkPreview(request.NewState, toMark, []);
        }

        // Airflow clears the failed instances downstream of a marked task, so the run resumes.
        // The runs in scope are the same as the mark's, so they are already locked.
        var selectedIds = selected.Select(t => t.Id).ToHashSet();
        var downstream = await selection.SelectAsync(
            db, request.DagId, request.Targets, request.Relatives with { Upstream = false, Downstream = true }, lockRuns: false, ct);
        var toClear = downstream
            .Where(t => !selectedIds.Contains(t.Id) && t.State is { } state && StateSets.FailedStates.Contains(state))
            .ToList();
        return new MarkPreview(request.NewState, toMark, toClear);
    }

    /// <summary>
    /// Airflow clears the failed and upstream_failed downstream after every mark. Here only a mark
    /// success or skipped does, as they let the downstream go on: after a mark failed those would
    /// fail again as upstream_failed, and with Downstream on, Airflow's clear even resets the very
    /// instances the mark has just failed.
    /// </summary>
    private static bool ResumesDownstream(TaskInstanceState state) => state is TaskInstanceState.Success or TaskInstanceState.Skipped;

    /// <summary>
    /// A task of the run's version whose instance the run lacks would otherwise vanish from the
    /// selection, and the preview would say everything selected is already in the new state.
    /// </summary>
    /// <exception cref="OperationRefusedException">A targeted task has no instance in its run.</exception>
    private static void EnsureEveryTaskHasAnInstance(IReadOnlyList<TaskTarget> targets, List<AffectedTaskInstance> selected)
    {
        var present = selected.Select(t => (t.RunId, t.TaskId)).ToHashSet();
        if (targets.FirstOrDefault(t => t.Kind == TargetKind.Task && !present.Contains((t.RunId, t.Id!))) is { } missing)
        {
            throw new OperationRefusedException(
                $"Task '{missing.Id}' has no instance in run '{missing.RunId}', so there is nothing to mark there. Pick a cell that has a state.");
        }
    }

    private static void Audit(DashboardDbContext db, MarkRequest request, MarkPreview preview, ClearCounts cleared, int requeued, DateTimeOffset now) =>
        AuditWriter.Record(db, now, request.Actor, $"task_instance.mark_{SnakeCase.ToSnakeCase(request.NewState)}", request.DagId,
            preview.ToMark.Count + cleared.TaskInstances,
            new
            {
                targets = request.Targets.Select(t => new { run_id = t.RunId, id = t.Id, kind = SnakeCase.ToSnakeCase(t.Kind) }),
                request.Relatives.Upstream,
                request.Relatives.Downstream,
                request.Relatives.Past,
                request.Relatives.Future,
                marked = preview.ToMark.Count,
                cleared_downstream = cleared.TaskInstances,
                runs_requeued = requeued,
            },
            runIds: preview.All.Select(t => t.RunId).Distinct(),
            taskIds: preview.All.Select(t => t.TaskId).Distinct(),
            note: request.Note,
            requestId: request.RequestId);
}
