using System.Diagnostics;
using Dashboard.Core.Domain;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Observability;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Scheduler.Execution;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Scheduler.Scheduling;

/// <summary>
/// One scheduler iteration: recover tries whose executor died, give every active, unpaused DAG a
/// <see cref="DagScheduler"/> pass, then mark the runs past their deadline. Any number of instances
/// may run this against one database.
/// </summary>
public sealed class SchedulerLoop(
    IDbContextFactory<DashboardDbContext> dbFactory,
    DagScheduler dagScheduler,
    TaskLogWriter logWriter,
    EngineSignals signals,
    NotificationRoutes routes,
    DashboardMetrics metrics,
    IOptions<SchedulerOptions> options,
    TimeProvider clock,
    ILogger<SchedulerLoop> logger)
{
    /// <summary>
    /// Passes can follow each other at once while there is work; counting the queue once in this
    /// long keeps the gauge fresh enough for a dashboard without a query per pass.
    /// </summary>
    private static readonly TimeSpan QueueDepthInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A run made outside this loop's passes (a trigger, a backfill, another instance) that waits in
    /// the queue is not seen by them; checking deadlines at least this often bounds how late its mark can be.
    /// </summary>
    private static readonly TimeSpan DeadlineRecheck = TimeSpan.FromSeconds(30);

    private DateTimeOffset nextRecovery = DateTimeOffset.MinValue;
    private DateTimeOffset nextQueueCount = DateTimeOffset.MinValue;

    /// <summary>No deadline check before this: the earliest pending deadline the last check found, or the recheck.</summary>
    private DateTimeOffset nextDeadlineCheck = DateTimeOffset.MinValue;

    // UTC ticks, 0 before the first pass: a long, so readiness probes on other threads never read half of it.
    private long lastPassCompletedTicks;

    /// <summary>When the last pass finished without an error; null before the first (readiness reads it).</summary>
    public DateTimeOffset? LastPassCompletedAt =>
        Volatile.Read(ref lastPassCompletedTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <returns>True when anything changed, so the caller should look again at once.</returns>
    public async Task<bool> RunOnceAsync(CancellationToken ct)
    {
        using var activity = DashboardActivities.Source.StartActivity("scheduler pass");
        var started = clock.GetTimestamp();
        try
        {
            var changed = await PassAsync(ct);
            await CountQueueAsync(ct);
            metrics.SchedulerPassCompleted(clock.GetElapsedTime(started));
            Volatile.Write(ref lastPassCompletedTicks, clock.GetUtcNow().UtcTicks);
            activity?.SetTag("changed", changed);
            return changed;
        }
        catch (Exception e)
        {
            activity?.AddException(e).SetStatus(ActivityStatusCode.Error);
            throw;
        }
    }

    private async Task<bool> PassAsync(CancellationToken ct)
    {
        var changed = await RecoverLostTriesAsync(ct);

        List<string> dagIds;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            dagIds = await db.Dags.Where(d => d.IsActive && !d.IsPaused).OrderBy(d => d.DagId).Select(d => d.DagId).ToListAsync(ct);
        }

        foreach (var dagId in dagIds)
        {
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var result = await dagScheduler.ProcessAsync(db, dagId, ct);
                changed |= result.Changed;
                if (result.Scheduled > 0)
                {
                    signals.Executor.Pulse();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException && !DashboardDatabase.IsConnectionLost(e))
            {
                // One DAG's trouble (say, a constraint race with another instance) must not stall the others;
                // a lost connection ends the pass, since every other DAG would fail the same way.
                logger.LogError(e, "Scheduling DAG {DagId} failed; it is retried on the next pass", dagId);
            }
        }

        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            changed |= await BackfillTransitions.CompleteFinishedAsync(db, clock.GetUtcNow(), ct) > 0;

            // After the DAG passes, so a run that finished in this pass has met its deadline. Not every
            // pass: only when one is due, or a pass changed runs (made one, or started one with a
            // deadline earlier than the one known), so an idle scheduler does not probe the runs each second.
            var now = clock.GetUtcNow();
            if (changed || now >= nextDeadlineCheck)
            {
                var (marked, nextDue) = await DagRunTransitions.MarkDeadlinesMissedAsync(db, routes, now, ct);
                changed |= marked > 0;
                nextDeadlineCheck = nextDue is { } due && due < now + DeadlineRecheck ? due : now + DeadlineRecheck;
            }
        }

        return changed;
    }

    /// <summary>The queue-depth gauge's numbers, from the partial index on active states (ix_task_instance_active).</summary>
    private async Task CountQueueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (now < nextQueueCount || !metrics.QueueDepthWanted)
        {
            return;
        }

        nextQueueCount = now + QueueDepthInterval;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var counts = await db.QueryAsync(
            "SELECT count(*) FILTER (WHERE state = 'scheduled'), count(*) FILTER (WHERE state = 'queued') FROM task_instance WHERE state IN ('scheduled', 'queued')",
            r => (Scheduled: (int)r.GetInt64(0), Queued: (int)r.GetInt64(1)), ct);
        metrics.QueueDepthCounted(counts[0].Scheduled, counts[0].Queued);
    }

    /// <summary>
    /// Recovers tries whose executor is lost: silent for the heartbeat timeout, or, on this host,
    /// known to be gone because its process has ended (an app restarted after a crash retries its own
    /// tries at once instead of after the timeout).
    /// </summary>
    private async Task<bool> RecoverLostTriesAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (now < nextRecovery)
        {
            return false;
        }

        var timeout = options.Value.TaskHeartbeatTimeout;
        nextRecovery = now + timeout / 4;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var gone = (await TaskInstanceTransitions.ExecutorsOnHostAsync(db, Environment.MachineName, ct)).Where(ExecutorIdentity.IsGone).ToList();
        var lost = await TaskInstanceTransitions.RecoverLostAsync(db, now - timeout, gone, routes, now, ct);
        foreach (var finished in lost.Where(l => l.WasState != TaskInstanceState.Queued).GroupBy(l => (l.DagId, l.NewState)))
        {
            metrics.TaskInstancesFinished(finished.Key.DagId, finished.Key.NewState, finished.Count());
        }

        foreach (var recovered in lost.Where(l => l.WasState != TaskInstanceState.Queued))
        {
            var newState = SnakeCase.ToSnakeCase(recovered.NewState);
            if (recovered.ExecutorGone)
            {
                logger.LogWarning("Task instance {Id} try {Try} lost its executor, whose process on this host has ended; now {State}",
                    recovered.Try.Id, recovered.Try.TryNumber, recovered.NewState);
                logWriter.Append(recovered.Try, LogStream.System,
                    $"This try's executor on {Environment.MachineName} has ended without finishing it (the app stopped or was killed). " +
                    $"The task instance is now {newState}.");
            }
            else
            {
                logger.LogWarning("Task instance {Id} try {Try} lost its executor; now {State}", recovered.Try.Id, recovered.Try.TryNumber, recovered.NewState);
                logWriter.Append(recovered.Try, LogStream.System,
                    $"No heartbeat from this try's executor since {recovered.LastHeartbeatAt:u} (limit {timeout.TotalSeconds:0} s): " +
                    $"its process is presumed dead. The task instance is now {newState}.");
            }
        }

        return lost.Count > 0;
    }
}
