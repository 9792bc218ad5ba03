using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Persistence;

namespace Dashboard.Scheduler.Notifications;

/// <summary>One claimed delivery, made readable: a title, its fields as lines, and the JSON a webhook gets.</summary>
public sealed class NotificationMessage
{
    private readonly JsonObject _payload;

    public NotificationMessage(Guid eventId, string kind, string channel, string payloadJson)
    {
        EventId = eventId;
        Kind = kind;
        Channel = channel;
        _payload = JsonNode.Parse(payloadJson) as JsonObject ?? [];
        Title = TitleOf(kind, _payload);
    }

    public Guid EventId { get; }
    public string Kind { get; }
    public string Channel { get; }
    public string Title { get; }

    /// <summary>The event's fields, one <c>name: value</c> a line, for an email or a chat message.</summary>
    public string Details()
    {
        var text = new StringBuilder();
        foreach (var (name, value) in _payload)
        {
            text.Append(name).Append(": ").AppendLine(value is JsonArray list
                ? string.Join("; ", list.Select(item => item?.ToString()))
                : value?.ToString() ?? "");
        }

        return text.Append("event_id: ").Append(EventId.ToString()).ToString();
    }

    /// <summary>The webhook body: the event's fields with its kind, id and title, or Slack's <c>{"text": ...}</c>.</summary>
    public string Body(WebhookFormat format)
    {
        if (format == WebhookFormat.Slack)
        {
            return JsonSerializer.Serialize(new { text = $"*{Title}*\n{Details()}" });
        }

        var body = new JsonObject
        {
            ["event"] = Kind,
            ["event_id"] = EventId.ToString(),
            ["title"] = Title,
        };
        foreach (var (name, value) in _payload)
        {
            body[name] = value?.DeepClone();
        }

        return body.ToJsonString();
    }

    private static string TitleOf(string kind, JsonObject payload)
    {
        string Field(string name) => payload[name]?.ToString() ?? "?";
        var task = $"{Field("dag_id")}.{Field("task_id")} ({Field("run_id")}, try {Field("try_number")})";
        var run = $"{Field("dag_id")} ({Field("run_id")})";
        return SnakeCase.TryParseSnakeCase<NotificationEvent>(kind, out var e)
            ? e switch
            {
                NotificationEvent.TaskFailure => $"Task failed: {task}",
                NotificationEvent.Retry => $"Task failed, will retry: {task}",
                NotificationEvent.RunFailure => $"Run failed: {run}",
                NotificationEvent.RunSuccess => $"Run succeeded: {run}",
                NotificationEvent.DeadlineMissed => $"Deadline missed: {run}",
                NotificationEvent.DagAutoPaused => $"DAG paused after {Field("failed_runs")} failed runs in a row: {Field("dag_id")}",
                NotificationEvent.ImportError => $"DAG file stopped importing: {Field("file")}",
                NotificationEvent.Test => "Test notification",
                _ => kind,
            }
            : $"Event {kind}";
    }
}
