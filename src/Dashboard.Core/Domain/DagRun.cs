namespace Dashboard.Core.Domain;

public sealed class DagRun
{
    public long Id { get; set; }
    public required string DagId { get; set; }
    public required string RunId { get; set; }
    public DagRunType RunType { get; set; }

    /// <summary>Start of the data interval; null for manual runs triggered without a date.</summary>
    public DateTimeOffset? LogicalDate { get; set; }

    public DateTimeOffset? DataIntervalStart { get; set; }
    public DateTimeOffset? DataIntervalEnd { get; set; }

    /// <summary>The earliest time the run may start; the grid's column order.</summary>
    public DateTimeOffset RunAfter { get; set; }

    public DagRunState State { get; set; } = DagRunState.Queued;
    public DateTimeOffset? QueuedAt { get; set; }
    public DateTimeOffset? StartDate { get; set; }
    public DateTimeOffset? EndDate { get; set; }
    public DateTimeOffset? LastSchedulingDecision { get; set; }

    /// <summary>How many times a clear has re-queued this run.</summary>
    public int ClearNumber { get; set; }

    public string Conf { get; set; } = "{}";
    public int? BackfillId { get; set; }
    public DagRunTriggeredBy TriggeredBy { get; set; }
    public string? TriggeringUserName { get; set; }

    /// <summary>For a run a trigger_dag task created: that task's DAG, run (its run id) and task.</summary>
    public string? TriggeringDagId { get; set; }

    public string? TriggeringRunId { get; set; }
    public string? TriggeringTaskId { get; set; }
    public int? DagVersionId { get; set; }
    public string? Note { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When the run must have finished, from its DAG's deadline as it was when the run was created; null for none.</summary>
    public DateTimeOffset? DeadlineAt { get; set; }

    /// <summary>When the scheduler found the run unfinished past <see cref="DeadlineAt"/>. Kept when the run finishes late, or is cleared.</summary>
    public DateTimeOffset? DeadlineMissedAt { get; set; }

    /// <summary>The run had a deadline and finished by it without being found late.</summary>
    public bool MetDeadline => DeadlineAt is not null && DeadlineMissedAt is null && State is DagRunState.Success or DagRunState.Failed;
}
