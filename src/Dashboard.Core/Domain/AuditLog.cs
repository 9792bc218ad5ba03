namespace Dashboard.Core.Domain;

/// <summary>One executed user or system action. Previews are never recorded.</summary>
public sealed class AuditLogEntry
{
    public long Id { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? DagId { get; set; }
    public List<string> RunIds { get; set; } = [];
    public List<string> TaskIds { get; set; } = [];

    /// <summary>The action's options as a JSON object.</summary>
    public string Details { get; set; } = "{}";

    public int AffectedCount { get; set; }
    public string? Note { get; set; }

    /// <summary>The id a client sent with the action; a second action with the same id is not applied again.</summary>
    public Guid? RequestId { get; set; }
}

/// <summary>A problem found in a DAG file; the DAG's last good version stays loaded.</summary>
public sealed class ImportError
{
    public long Id { get; set; }
    public required string FileLocation { get; set; }
    public int? Line { get; set; }
    public required string Message { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
}
