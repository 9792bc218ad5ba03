using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;

namespace Dashboard.Testing;

/// <summary>Rows tests need, with sensible defaults; each test names only what it cares about.</summary>
public static class TestData
{
    public static async Task<Dag> AddDagAsync(
        DashboardDbContext db, string dagId, bool paused = true, string? schedule = "@daily", string[]? tags = null, string? description = null)
    {
        var dag = new Dag
        {
            DagId = dagId,
            Description = description,
            Schedule = schedule,
            IsPaused = paused,
            Tags = [.. tags ?? []],
            StartDate = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
            LastParsedAt = DateTimeOffset.UtcNow,
            FileLocation = $"dags/{dagId}.yaml",
        };
        db.Dags.Add(dag);
        await db.SaveChangesAsync();
        return dag;
    }

    /// <summary>
    /// A run that ran (or runs) at the given times. A run with a logical date covers one day from it
    /// and may start when the day ends, as a daily schedule's would; without one it may start at once.
    /// </summary>
    public static async Task<DagRun> AddRunAsync(
        DashboardDbContext db, string dagId, string runId, DagRunState state, DagRunType type = DagRunType.Manual,
        DateTimeOffset? logicalDate = null, DateTimeOffset? runAfter = null, DateTimeOffset? queuedAt = null,
        DateTimeOffset? startDate = null, DateTimeOffset? endDate = null, int? backfillId = null)
    {
        var interval = logicalDate is { } date ? new DataInterval(date, date.AddDays(1)) : (DataInterval?)null;
        var run = new DagRun
        {
            DagId = dagId,
            RunId = runId,
            RunType = type,
            State = state,
            LogicalDate = logicalDate,
            DataIntervalStart = interval?.Start,
            DataIntervalEnd = interval?.End,
            RunAfter = runAfter ?? interval?.End ?? queuedAt ?? startDate ?? DateTimeOffset.UtcNow,
            QueuedAt = queuedAt,
            StartDate = startDate,
            EndDate = endDate,
            BackfillId = backfillId,
            TriggeredBy = type switch
            {
                DagRunType.Scheduled => DagRunTriggeredBy.Timetable,
                DagRunType.Backfill => DagRunTriggeredBy.Backfill,
                _ => DagRunTriggeredBy.Ui,
            },
            TriggeringUserName = type == DagRunType.Manual ? "alice" : null,
            UpdatedAt = DateTimeOffset.UtcNow,
        };
        db.DagRuns.Add(run);
        await db.SaveChangesAsync();
        return run;
    }

    public static async Task<TaskInstance> AddTaskInstanceAsync(
        DashboardDbContext db, DagRun run, string taskId, TaskInstanceState? state, int tryNumber = 1,
        DateTimeOffset? retryAt = null, DateTimeOffset? lastHeartbeatAt = null)
    {
        var ti = new TaskInstance
        {
            DagRunId = run.Id,
            DagId = run.DagId,
            TaskId = taskId,
            State = state,
            TryNumber = tryNumber,
            MaxTries = 2,
            RetryAt = retryAt,
            LastHeartbeatAt = lastHeartbeatAt,
            UpdatedAt = DateTimeOffset.UtcNow,
        };
        db.TaskInstances.Add(ti);
        await db.SaveChangesAsync();
        return ti;
    }
}
