using Dashboard.Core.Auditing;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Operations.Versions;
using Dashboard.Core.Persistence;
using Dashboard.Core.Queries;
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
/// DAG as its file is now, unless <see cref="KeepVersions"/>. <see cref="Recursive"/> follows the
/// links other DAGs make to the cleared instances (Airflow's recursive clear): see <see cref="RecursiveClear"/>.
/// </summary>
public sealed record ClearOptions(
    Relatives Relatives, bool OnlyFailed = false, bool DisturbRunning = false, bool KeepVersions = false, bool OnlyRunning = false,
    bool Recursive = false);

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
/// <param name="TaskInstances">The instances of the DAG the clear was asked for.</param>
/// <param name="Versions">The runs that move to the DAG's current version, with the tasks each gains and loses.</param>
public sealed record ClearPreview(IReadOnlyList<AffectedTaskInstance> TaskInstances, bool DisturbRunning, RerunVersions Versions) : IActionPreview
{
    /// <summary>The other DAGs a Recursive clear reaches, in the order it reaches them.</summary>
    public IReadOnlyList<LinkedClear> Linked { get; init; } = [];

    /// <summary>Why the person may not make this clear (a DAG in it they may not change), or null.</summary>
    public string? Refusal { get; init; }

    /// <summary>Every instance the clear changes, in every DAG it reaches.</summary>
    public IReadOnlyList<AffectedTaskInstance> All => Linked.Count == 0 ? TaskInstances : [.. TaskInstances, .. Linked.SelectMany(l => l.TaskInstances)];

    IReadOnlyList<AffectedTaskInstance> IActionPreview.Affected => All;

    RerunVersions IActionPreview.Versions => Versions;

    /// <summary>Instances that would be restarted (their process killed and run again).</summary>
    public IReadOnlyList<AffectedTaskInstance> Running => [.. All.Where(t => t.State == TaskInstanceState.Running)];

    /// <summary>Why the clear cannot go ahead as asked, or null when it can.</summary>
    public string? Blocker =>
        All.Count == 0 ? "Nothing to clear: no task instance matches the selection and options."
        : Refusal is not null ? Refusal
        : !DisturbRunning && Running.Count > 0 ? RunningMessage(Running)
        : null;

    /// <summary>Finished runs that go back to the queue because they hold a cleared instance.</summary>
    public IReadOnlyList<string> RunsToRequeue =>
        [.. All.Where(t => t.RunState.IsFinished()).DistinctBy(t => t.DagRunId).Select(t => t.RunId)];

    private static string RunningMessage(IReadOnlyList<AffectedTaskInstance> running)
    {
        var named = string.Join(", ", running.Take(5).Select(t => $"{t.TaskId} in {t.RunId}"));
        var more = running.Count > 5 ? $" and {running.Count - 5} more" : "";
        return $"Not cleared, because these are running: {named}{more}. " +
               "Turn off \"Don't disturb running tasks\" to restart them, or wait until they finish.";
    }
}

/// <summary>One other DAG's part of a Recursive clear.</summary>
/// <param name="Reasons">The links that reach it, in words: "waits on taxi_pipeline.dbt_test".</param>
/// <param name="Depth">How many links away from the DAG the clear was asked for.</param>
public sealed record LinkedClear(string DagId, IReadOnlyList<AffectedTaskInstance> TaskInstances, RerunVersions Versions, IReadOnlyList<string> Reasons, int Depth);

/// <param name="AlreadyApplied">This request id had been applied before; nothing was done this time.</param>
/// <param name="OtherDags">How many other DAGs a Recursive clear changed.</param>
public sealed record ClearResult(int Cleared, int Restarted, int RunsRequeued, bool AlreadyApplied = false, int OtherDags = 0)
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
    private const string What = "clear task instances";

    public async Task<ClearPreview> PreviewAsync(ClearRequest request, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var preview = await SelectAsync(db, request, lockRuns: false, ct);
        try
        {
            await DagAccess.DemandAsync(db, request.Actor, DagIds(request, preview), What, ct);
            return preview;
        }
        catch (AccessDeniedException denied)
        {
            return preview with { Refusal = denied.Message };
        }
    }

    /// <param name="confirmed">The preview the person confirmed; when given, the clear applies only if the selection is still exactly that.</param>
    /// <exception cref="OperationRefusedException">Nothing to clear, running instances in the way, a target that does not exist, or a DAG the actor may not change; nothing changed.</exception>
    /// <exception cref="PreviewOutdatedException">The selection changed since <paramref name="confirmed"/>; nothing changed.</exception>
    public Task<ClearResult> ExecuteAsync(ClearRequest request, ClearPreview? confirmed = null, CancellationToken ct = default)
    {
        request.Actor.Demand(Permission.ClearAndMark, What);
        return runner.RunAsync(request.RequestId, async db =>
        {
            var preview = await SelectAsync(db, request, lockRuns: true, ct);
            await DagAccess.DemandAsync(db, request.Actor, DagIds(request, preview), What, ct);
            EnsureSameDags(confirmed, preview);
            PreviewCheck.EnsureApplicable(confirmed, preview);

            var now = clock.GetUtcNow();
            await PreviewCheck.MoveRunsAsync(db, request.DagId, preview.Versions, now, ct);
            foreach (var linked in preview.Linked)
            {
                await PreviewCheck.MoveRunsAsync(db, linked.DagId, linked.Versions, now, ct);
            }

            var all = preview.All;
            var counts = await TaskInstanceTransitions.ClearAsync(db, [.. all.Select(t => t.Expected)], now, ct);
            PreviewCheck.EnsureAllMoved(counts.TaskInstances, all.Count);
            Audit(db, request, preview, now);
            return new ClearResult(counts.Cleared, counts.Restarted, counts.RunsRequeued, OtherDags: preview.Linked.Count);
        }, ClearResult.Repeated, ct);
    }

    private static string[] DagIds(ClearRequest request, ClearPreview preview) => [request.DagId, .. preview.Linked.Select(l => l.DagId)];

    /// <summary>
    /// The selection, under the locks when executing: each DAG's row first (its current version then
    /// stays the one checked), then its runs. The instances of tasks the current version no longer
    /// has are not cleared: moving their run makes them removed.
    /// </summary>
    private async Task<ClearPreview> SelectAsync(DashboardDbContext db, ClearRequest request, bool lockRuns, CancellationToken ct)
    {
        var options = request.Options;
        if (options is { OnlyFailed: true, OnlyRunning: true })
        {
            throw new OperationRefusedException("Only failed and Only running cannot be combined: a task instance is never both. Choose one.");
        }

        var walk = new RecursiveClear(request.DagId, (part, targets, relatives) => SelectIntoAsync(db, part, targets, relatives, options, lockRuns, ct));
        await walk.StartAsync(request.Targets, options.Relatives);
        if (options.Recursive)
        {
            await walk.FollowLinksAsync((dagId, fresh) => CrossDagLinks.DependentsAsync(db, dagId, fresh, ct));
        }

        // Only runs that keep something to clear move: a run is never moved without re-running.
        var plans = new Dictionary<string, RerunVersions>();
        foreach (var part in walk.Parts)
        {
            plans[part.DagId] = await versions.PlanAsync(db, part.Dag, Runs(part.Instances), options.KeepVersions, ct);
        }

        var root = walk.Parts[0];
        return new ClearPreview(root.Instances, options.DisturbRunning, plans[root.DagId])
        {
            Linked = [.. walk.Parts.Skip(1).Select(p => new LinkedClear(p.DagId, p.Instances, plans[p.DagId], [.. p.Reasons], p.Depth))],
        };
    }

    /// <summary>Adds to a DAG's part what these targets select that it does not hold yet, and returns those instances.</summary>
    private async Task<List<AffectedTaskInstance>> SelectIntoAsync(
        DashboardDbContext db, ClearPart part, IReadOnlyList<TaskTarget> targets, Relatives relatives, ClearOptions options, bool lockRuns, CancellationToken ct)
    {
        if (!part.DagRead)
        {
            part.Dag = await versions.CurrentAsync(db, part.DagId, lockDag: lockRuns, ct);
            part.DagRead = true;
        }

        var selected = await selection.SelectAsync(db, part.DagId, targets, relatives, lockRuns, ct, resolveInCurrent: !options.KeepVersions);
        var clearable = selected.Where(t => IsClearable(t.State, options) && !part.Holds(t.Id)).ToList();
        var moving = await versions.PlanAsync(db, part.Dag, Runs(clearable), options.KeepVersions, ct);
        var fresh = clearable.Where(t => moving.Keeps(t.DagRunId, t.TaskId)).ToList();
        part.Add(fresh);
        return fresh;
    }

    private static IEnumerable<(long, string, int?)> Runs(IEnumerable<AffectedTaskInstance> instances) =>
        instances.Select(t => (t.DagRunId, t.RunId, t.RunVersionId));

    /// <summary>
    /// Restarting instances are already being re-run, so clearing them again would change nothing;
    /// removed ones have no task left to run.
    /// </summary>
    private static bool IsClearable(TaskInstanceState? state, ClearOptions options) =>
        options.OnlyFailed ? state is { } s && StateSets.FailedStates.Contains(s)
        : options.OnlyRunning ? state == TaskInstanceState.Running
        : state is not (TaskInstanceState.Restarting or TaskInstanceState.Removed);

    /// <exception cref="PreviewOutdatedException">A Recursive clear now reaches other DAGs, or their files changed, since the preview.</exception>
    private static void EnsureSameDags(ClearPreview? confirmed, ClearPreview current)
    {
        if (confirmed is null)
        {
            return;
        }

        var was = confirmed.Linked.ToDictionary(l => l.DagId);
        var changed = current.Linked
            .Where(l => !was.TryGetValue(l.DagId, out var before) || !before.Versions.SameAs(l.Versions))
            .Select(l => l.DagId)
            .Concat(confirmed.Linked.Select(l => l.DagId).Except(current.Linked.Select(l => l.DagId)))
            .ToList();
        if (changed.Count > 0)
        {
            throw new PreviewOutdatedException(
                $"Nothing was changed, because what the clear reaches in {string.Join(", ", changed)} changed since the preview. Check the new list and confirm again.");
        }
    }

    /// <summary>One row per DAG the clear changed; the request id (which makes a repeat a no-op) goes on the first.</summary>
    private static void Audit(DashboardDbContext db, ClearRequest request, ClearPreview preview, DateTimeOffset now)
    {
        var wholeRuns = request.Targets.All(t => t.Kind == TargetKind.Run);
        var options = request.Options;
        var targets = request.Targets.Select(t => new { run_id = t.RunId, id = t.Id, kind = SnakeCase.ToSnakeCase(t.Kind) });
        Record(request.DagId, preview.TaskInstances, preview.Versions, wholeRuns ? "dag_run.clear" : "task_instance.clear", request.RequestId, new
        {
            targets,
            options.Relatives.Upstream,
            options.Relatives.Downstream,
            options.Relatives.Past,
            options.Relatives.Future,
            options.OnlyFailed,
            options.OnlyRunning,
            options.DisturbRunning,
            options.KeepVersions,
            options.Recursive,
            restarted = Restarted(preview.TaskInstances),
            runs_requeued = Requeued(preview.TaskInstances),
            versions = PreviewCheck.AuditVersions(preview.Versions),
            linked_dags = preview.Linked.Select(l => new { l.DagId, count = l.TaskInstances.Count }),
        });
        foreach (var linked in preview.Linked)
        {
            Record(linked.DagId, linked.TaskInstances, linked.Versions, "task_instance.clear", null, new
            {
                recursive_from = new { dag_id = request.DagId, targets },
                via = linked.Reasons,
                linked.Depth,
                options.OnlyFailed,
                options.OnlyRunning,
                options.DisturbRunning,
                options.KeepVersions,
                restarted = Restarted(linked.TaskInstances),
                runs_requeued = Requeued(linked.TaskInstances),
                versions = PreviewCheck.AuditVersions(linked.Versions),
            });
        }

        void Record(string dagId, IReadOnlyList<AffectedTaskInstance> instances, RerunVersions versions, string action, Guid? requestId, object details) =>
            AuditWriter.Record(db, now, request.Actor, action, dagId, instances.Count, details,
                runIds: instances.Select(t => t.RunId).Distinct(),
                taskIds: instances.Select(t => t.TaskId).Distinct(),
                note: request.Note,
                requestId: requestId);

        static int Restarted(IReadOnlyList<AffectedTaskInstance> instances) => instances.Count(t => t.State == TaskInstanceState.Running);

        static int Requeued(IReadOnlyList<AffectedTaskInstance> instances) => instances.Where(t => t.RunState.IsFinished()).Select(t => t.DagRunId).Distinct().Count();
    }
}
