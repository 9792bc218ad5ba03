namespace Dashboard.Core.Domain;

/// <summary>
/// One event's delivery to one channel: the outbox row the state change wrote in its own
/// transaction, which the delivery worker then sends, retries and settles. The event id is shared
/// by the rows of one event and sent with every attempt, so a receiver can drop a repeat.
/// </summary>
public sealed class NotificationDelivery
{
    public long Id { get; set; }
    public Guid EventId { get; set; }

    /// <summary>The event's kind in the words of the settings and DAG files: task_failure, run_success, ...</summary>
    public required string Kind { get; set; }

    public required string Channel { get; set; }
    public string? DagId { get; set; }

    /// <summary>What happened (dag, run, task, try, state, message) as JSON; the channel's format is made from it when sent.</summary>
    public required string Payload { get; set; }

    public NotificationState State { get; set; }

    /// <summary>Attempts started, a claim by a worker that then crashed included.</summary>
    public int Attempts { get; set; }

    /// <summary>When a pending row is due; while delivering, when the worker's lease ends and another may take it.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    public string? ClaimedBy { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
}

public enum NotificationState
{
    Pending,
    Delivering,
    Delivered,
    Failed,
}
