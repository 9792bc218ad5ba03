namespace Dashboard.Core.Domain;

/// <summary>One task of one run: the current try. Finished tries are archived to <see cref="TaskInstanceHistory"/>.</summary>
public sealed class TaskInstance
{
    public long Id { get; set; }
    public long DagRunId { get; set; }
    public required string DagId { get; set; }
    public required string TaskId { get; set; }

    /// <summary>Null is Airflow's "no status": not yet scheduled, or cleared.</summary>
    public TaskInstanceState? State { get; set; }

    /// <summary>Incremented when the scheduler schedules a try, never by a clear.</summary>
    public int TryNumber { get; set; }

    public int MaxTries { get; set; }

    /// <summary>The DAG version the current try runs (or ran): its run's version when the try was scheduled or cleared.</summary>
    public int? DagVersionId { get; set; }

    public DateTimeOffset? StartDate { get; set; }
    public DateTimeOffset? EndDate { get; set; }
    public double? Duration { get; set; }
    public string? Hostname { get; set; }
    public int? Pid { get; set; }
    public DateTimeOffset? LastHeartbeatAt { get; set; }

    /// <summary>The executor instance that claimed the current try; only it may move the try forward.</summary>
    public string? ExecutorId { get; set; }

    public DateTimeOffset? QueuedAt { get; set; }
    public DateTimeOffset? ScheduledAt { get; set; }

    /// <summary>While <c>up_for_retry</c>: the earliest time the next try may be scheduled; while <c>up_for_reschedule</c>: the next check.</summary>
    public DateTimeOffset? RetryAt { get; set; }

    public string? Note { get; set; }

    /// <summary>The current try's command as it ran, templates filled in and secrets masked.</summary>
    public string? RenderedCommand { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>PostgreSQL's xmin: changes with every update, for optimistic concurrency.</summary>
    public uint RowVersion { get; set; }
}

/// <summary>A finished try of a task instance.</summary>
public sealed class TaskInstanceHistory
{
    public long Id { get; set; }
    public long TaskInstanceId { get; set; }
    public long DagRunId { get; set; }
    public required string DagId { get; set; }
    public required string TaskId { get; set; }
    public int TryNumber { get; set; }
    public TaskInstanceState? State { get; set; }
    public int MaxTries { get; set; }

    /// <summary>The DAG version this try ran.</summary>
    public int? DagVersionId { get; set; }

    public DateTimeOffset? StartDate { get; set; }
    public DateTimeOffset? EndDate { get; set; }
    public double? Duration { get; set; }
    public string? Hostname { get; set; }
    public int? Pid { get; set; }
    public DateTimeOffset? QueuedAt { get; set; }
    public string? Note { get; set; }

    /// <summary>The try's command as it ran, templates filled in and secrets masked.</summary>
    public string? RenderedCommand { get; set; }

    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>One line of a try's output, appended as the task runs.</summary>
public sealed class TaskLogLine
{
    public long Id { get; set; }
    public long TaskInstanceId { get; set; }
    public int TryNumber { get; set; }
    public DateTimeOffset LoggedAt { get; set; }
    public LogStream Stream { get; set; }
    public required string Line { get; set; }
}
