namespace Dashboard.Core.Domain;

/// <summary>A request to run a DAG over a range of past intervals (Airflow 3's backfill entity).</summary>
public sealed class Backfill
{
    public int Id { get; set; }
    public required string DagId { get; set; }
    public DateTimeOffset FromDate { get; set; }
    public DateTimeOffset ToDate { get; set; }
    public string DagRunConf { get; set; } = "{}";
    public bool IsPaused { get; set; }
    public ReprocessBehavior ReprocessBehavior { get; set; }
    public int MaxActiveRuns { get; set; } = 1;
    public bool RunBackwards { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Null while the backfill is active; at most one active backfill per DAG.</summary>
    public DateTimeOffset? CompletedAt { get; set; }

    public string? TriggeringUserName { get; set; }
}

/// <summary>One date slot of a backfill: the run it created or reused, or why it made none.</summary>
public sealed class BackfillDagRun
{
    public long Id { get; set; }
    public int BackfillId { get; set; }
    public long? DagRunId { get; set; }

    /// <summary><c>in flight</c> or <c>already exists</c> when no run was created for the slot.</summary>
    public string? ExceptionReason { get; set; }

    public DateTimeOffset LogicalDate { get; set; }
    public int SortOrdinal { get; set; }
}
