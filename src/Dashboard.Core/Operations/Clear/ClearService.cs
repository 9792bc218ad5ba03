using Dashboard.Core.Auditing;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Operations.Versions;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Operations.Clear;

/// <summary>
/// Which task instances a clear covers. <see cref="OnlyFailed"/> keeps failed and upstream_failed
/// ones, and <see cref="OnlyRunning"/> running ones (Airflow's <c>only_failed</c> and
/// <c>only_running</c>, which cannot be combined), after relatives are added. Unless
/// <see cref="DisturbRunning"/>, a selection holding a running instance is refused rather than
/// restarting it. Every run the clear touches moves to the DAG's current version, so it re-runs the
/// DAG as its file is now, unless <see cref="KeepVersions"/>.
/// </summary>
public sealed record ClearOptions(
    Relatives Relatives, bool OnlyFailed = false, bool DisturbRunning = false, bool KeepVersions = false, bool OnlyRunning = false);

/// <param name="RequestId">The client's id for this request, so that sending it twice clears once.</param>
public sealed record ClearRequest(
    string DagId, IReadOnlyList<TaskTarget> Targets, ClearOptions Options, Actor Actor, string? Note = null, Guid? RequestId = null)
{
    /// <summary>Clear &amp; Retry: every task instance of a run, or only its failed ones.</summary>
    public static ClearRequest ForRun(
        string dagId, string runId, bool onlyFailed, Actor actor, string? note = null, Guid? requestId = null, bool keepVersions = false) =>
        new(dagId, [TaskTarget.WholeRun(runId)], new ClearOptions(Relatives.None, onlyFailed, DisturbRunning: true, keepVersions), actor, note, requestId);
}

/// <summary>What a clear would do, exactly as <see cref="ClearService.ExecuteAsync"/> will do it if nothing moves meanwhile.</summary>
/// <param name="Versions">The runs that move to the DAG's current version, with the tasks each gains and loses.</param>
public sealed record ClearPreview(IReadOnlyList<AffectedTaskInstance> TaskInstances, bool DisturbRunning, RerunVersions Versions) : IActionPreview
{
    IReadOnlyList<AffectedTaskInstance> IActionPreview.Affected => TaskInstances;

    RerunVersions IActionPreview.Versions => Versions;

    /// <summary>Instances that would be restarted (their process killed and run again).</summary>
    public IReadOnlyList<AffectedTaskInstance> Running => [.. TaskInstances.Where(t => t.State == TaskInstanceState.Running)];

    /// <summary>Why the clear cannot go ahead as asked, or null when it can.</summary>
    public string? Blocker =>
        TaskInstances.Count == 0 ? "Nothing to clear: no task instance matches the selection and options."
        : !DisturbRunning && Running.Count > 0 ? RunningMessage(Running)
        : null;

    /// <summary>Finished runs that go back to the queue because they hold a cleared instance.</summary>
    public IReadOnlyList<string> RunsToRequeue =>
        [.. TaskInstances.Where(t => t.RunState.IsFinished()).Select(t => t.RunId).Distinct()];

    private static string RunningMessage(IReadOnlyList<AffectedTaskInstance> running)
    {
        var named = string.Join(", ", running.Take(5).Select(t => $"{t.TaskId} in {t.RunId}"));
        var more = running.Count > 5 ? $" and {running.Count - 5} more" : "";
        return $"Not cleared, because these are running: {named}{more}. " +
               "Turn off \"Don't disturb running tasks\" to restart them, or wait until they finish.";
    }
}

/// <param name="AlreadyApplied">This request id had been applied before; nothing was done this time.</param>
public sealed record ClearResult(int Cleared, int Restarted, int RunsRequeued, bool AlreadyApplied = false)
{
    public static readonly ClearResult Repeated = new(0, 0, 0, AlreadyApplied: true);

    public int TaskInstances => Cleared + Restarted;
}

/// <summary>
/// Clear and Clear &amp; Retry (Airflow's <c>clear_task_instances</c>): the preview and the execution
/// share one selection, so the dialog shows exactly what happens.
/// </summary>
public sealed class ClearService(
    IDbContextFactory<DashboardDbContext> dbFactory, ActionRunner runner, TaskInstanceSelection selection, RerunVersionPlanner versions, TimeProvider clock)
{
    public async Task<ClearPreview> PreviewAsync(ClearRequest request, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await SelectAsync(db, request, lockRuns: false, ct);
    }

    /// <param name="confirmed">The preview the person confirmed; when given, the clear applies only if the selection is still exactly that.</param>
    /// <exception cref="OperationRefusedException">Nothing to clear, running instances in the way, or a target that does not exist; nothing changed.</exception>
    /// <exception cref="PreviewOutdatedException">The selection changed since <paramref name="confirmed"/>; nothing changed.</exception>
    public Task<ClearResult> ExecuteAsync(ClearRequest request, ClearPreview? confirmed = null, CancellationToken ct = default)
    {
        request.Actor.Demand(Permission.ClearAndMark, "clear task instances");
        return runner.RunAsync(request.RequestId, async db =>
        {
            await DagAccess.DemandAsync(db, request.Actor, [request.DagId], "clear task instances", ct);
            var preview = await SelectAsync(db, request, lockRuns: true, ct);
            PreviewCheck.EnsureApplicable(confirmed, preview);

            var now = clock.GetUtcNow();
            await PreviewCheck.MoveRunsAsync(db, request.DagId, preview.Versions, now, ct);
            var counts = await TaskInstanceTransitions.ClearAsync(db, [.. preview.TaskInstances.Select(t => t.Expected)], now, ct);
            PreviewCheck.EnsureAllMoved(counts.TaskInstances, preview.TaskInstances.Count);
            Audit(db, request, preview, counts, now);
            return new ClearResult(counts.Cleared, counts.Restarted, counts.RunsRequeued);
        }, ClearResult.Repeated, ct);
    }

    /// <summary>
    /// The selection, under the locks when executing: the DAG row first (its current version then
    /// stays the one checked), then the runs. The instances of tasks the current version no longer
    /// has are not cleared: moving their run makes them removed.
    /// </summary>
    private async Task<ClearPreview> SelectAsync(DashboardDbContext db, ClearRequest request, bool lockRuns, CancellationToken ct)
    {
        var options = request.Options;
        if (options is { OnlyFailed: true, OnlyRunning: true })
        {
            throw new OperationRefusedException("Only failed and Only running cannot be combined: a task instance is never both. Choose one.");
        }

        var dag = await versions.CurrentAsync(db, request.DagId, lockDag: lockRuns, ct);
        var selected = await selection.SelectAsync(db, request.DagId, request.Targets, options.Relatives, lockRuns, ct,
            resolveInCurrent: !options.KeepVersions);
        var clearable = selected.Where(t => IsClearable(t.State, options)).ToList();
        var moving = await versions.PlanAsync(db, dag, Runs(clearable), options.KeepVersions, ct);
        var cleared = clearable.Where(t => moving.Keeps(t.DagRunId, t.TaskId)).ToList();

        // Only runs that keep something to clear move: a run is never moved without re-running.
        var plan = await versions.PlanAsync(db, dag, Runs(cleared), options.KeepVersions, ct);
        return new ClearPreview(cleared, options.DisturbRunning, plan);

        static IEnumerable<(long, string, int?)> Runs(IEnumerable<AffectedTaskInstance> instances) =>
            instances.Select(t => (t.DagRunId, t.RunId, t.RunVersionId));
    }

    /// <summary>
    /// Restarting instances are already being re-run, so clearing them again would change nothing;
    /// removed ones have no task left to run.
    /// </summary>
    private static bool IsClearable(TaskInstanceState? state, ClearOptions options) =>
        options.OnlyFailed ? state is { } s && StateSets.FailedStates.Contains(s)
        : options.OnlyRunning ? state == TaskInstanceState.Running
        : state is not (TaskInstanceState.Restarting or TaskInstanceState.Removed);

    private static void Audit(DashboardDbContext db, ClearRequest request, ClearPreview preview, ClearCounts counts, DateTimeOffset now)
    {
        var wholeRuns = request.Targets.All(t => t.Kind == TargetKind.Run);
        var options = request.Options;
        AuditWriter.Record(db, now, request.Actor, wholeRuns ? "dag_run.clear" : "task_instance.clear", request.DagId, counts.TaskInstances,
            new
            {
                targets = request.Targets.Select(t => new { run_id = t.RunId, id = t.Id, kind = SnakeCase.ToSnakeCase(t.Kind) }),
                options.Relatives.Upstream,
                options.Relatives.Downstream,
                options.Relatives.Past,
                options.Relatives.Future,
                options.OnlyFailed,
                options.OnlyRunning,
                options.DisturbRunning,
                options.KeepVersions,
                counts.Restarted,
                runs_requeued = counts.RunsRequeued,
                versions = PreviewCheck.AuditVersions(preview.Versions),
            },
            runIds: preview.TaskInstances.Select(t => t.RunId).Distinct(),
            taskIds: preview.TaskInstances.Select(t => t.TaskId).Distinct(),
            note: request.Note,
            requestId: request.RequestId);
    }
}
