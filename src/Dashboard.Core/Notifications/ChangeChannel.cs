namespace Dashboard.Core.Notifications;

/// <summary>
/// The PostgreSQL channel every run and task-instance change is announced on, by triggers in the
/// same transaction (see the Execution migration). The payload is tiny, <c>dag_id|dag_run id</c>:
/// listeners re-query what they show rather than trust the message.
/// </summary>
public static class ChangeChannel
{
    public const string Name = "dashboard_changes";

    public static (string DagId, long RunId)? Parse(string payload)
    {
        var bar = payload.LastIndexOf('|');
        return bar > 0 && long.TryParse(payload.AsSpan(bar + 1), out var runId) ? (payload[..bar], runId) : null;
    }
}
