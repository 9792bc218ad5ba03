using System.Text.Json;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Core.Security;

namespace Dashboard.Core.Auditing;

/// <summary>Adds the audit row of an executed action to the same unit of work, so both commit or neither does.</summary>
public static class AuditWriter
{
    public static void Record(
        DashboardDbContext db,
        DateTimeOffset at,
        Actor actor,
        string action,
        string? dagId,
        int affectedCount,
        object? details = null,
        IEnumerable<string>? runIds = null,
        IEnumerable<string>? taskIds = null,
        string? note = null,
        Guid? requestId = null)
    {
        db.AuditLog.Add(new AuditLogEntry
        {
            OccurredAt = at,
            Actor = actor.Name,
            Action = action,
            DagId = dagId,
            AffectedCount = affectedCount,
            Details = JsonSerializer.Serialize(details ?? new { }, JsonOptions),
            RunIds = runIds?.ToList() ?? [],
            TaskIds = taskIds?.ToList() ?? [],
            Note = string.IsNullOrWhiteSpace(note) ? null : note.Trim(),
            RequestId = requestId,
        });
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}
