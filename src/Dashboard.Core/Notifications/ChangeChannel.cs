using System.Globalization;

namespace Dashboard.Core.Notifications;

/// <summary>
/// The PostgreSQL channel every committed change a page shows is announced on, by triggers in the
/// same transaction (see the Execution and DagChangeNotifications migrations). The payload is tiny,
/// <c>dag_id|dag_run id</c>: listeners re-query what they show rather than trust the message.
/// Run id 0 is a change to the DAG itself (paused, rescheduled, a new version); an empty dag id,
/// <c>|0</c>, a change not about one DAG (the import errors).
/// </summary>
public static class ChangeChannel
{
    public const string Name = "dashboard_changes";

    /// <returns>The changed DAG (null: not about one DAG) and run, or null for a payload not in this format.</returns>
    public static (string? DagId, long RunId)? Parse(string payload)
    {
        var bar = payload.LastIndexOf('|');
        if (bar < 0 || !long.TryParse(payload.AsSpan(bar + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var runId))
        {
            return null;
        }

        return (bar == 0 ? null : payload[..bar], runId);
    }
}
