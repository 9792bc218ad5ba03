using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Notifications.Outbox;

/// <summary>
/// The settings' default channels per event, as the JSON the outbox's SQL reads beside each DAG's
/// own routes (<c>{"task_failure": ["ops"]}</c>), so one statement picks the channels of many events.
/// </summary>
public sealed class NotificationRoutes
{
    /// <summary>No defaults: only DAGs that name channels notify.</summary>
    public static readonly NotificationRoutes None = new(new Dictionary<string, string[]>());

    public NotificationRoutes(IOptions<NotificationOptions> options)
        : this(options.Value.Defaults)
    {
    }

    public NotificationRoutes(IReadOnlyDictionary<string, string[]> defaults)
    {
        DefaultsJson = JsonSerializer.Serialize(defaults
            .Where(d => NotificationEvents.ByKey.ContainsKey(d.Key))
            .ToDictionary(d => NotificationEvents.Kind(NotificationEvents.ByKey[d.Key]), d => d.Value));
    }

    public string DefaultsJson { get; }
}
