namespace Dashboard.Core.Domain;

/// <summary>The moment of a run that its DAG's deadline counts from, as Airflow's <c>DeadlineReference</c> names them.</summary>
public enum DeadlineReference
{
    /// <summary>The start of the run's data interval; a run without a logical date has no deadline.</summary>
    LogicalDate,

    /// <summary>When the run was created, queued.</summary>
    QueuedAt,

    /// <summary>The earliest time the run may start.</summary>
    RunAfter,
}

/// <summary>A DAG's <c>deadline</c>: a run not finished <see cref="Interval"/> after its <see cref="Reference"/> has missed it.</summary>
public sealed record DagDeadline(DeadlineReference Reference, TimeSpan Interval)
{
    /// <summary>A deadline further out than this is a typo, not a promise anyone waits on.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(366);
}
