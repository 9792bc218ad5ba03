using Dashboard.Core.Notifications.Outbox;
using YamlDotNet.RepresentationModel;

namespace Dashboard.Core.Dags;

/// <summary>The DAG's <c>notifications</c>: the channels each event goes to, in place of the settings' defaults.</summary>
public static partial class DagFileParser
{
    /// <returns>Event kind (<c>task_failure</c>) → channel names, or null when the file has no <c>notifications</c>.</returns>
    private static SortedDictionary<string, IReadOnlyList<string>>? ReadNotifications(YamlMappingNode root, YamlFields fields)
    {
        if (fields.Mapping(root, "notifications", "the DAG") is not { } map)
        {
            return null;
        }

        // Channel names are checked against the settings when delivered, not here: the file must not
        // stop importing on an instance whose settings lag, and an unknown channel fails its deliveries visibly.
        fields.RejectUnknownKeys(map, NotificationEvents.DagKeys, "notifications");
        var routes = new SortedDictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var key in NotificationEvents.DagKeys)
        {
            if (fields.StringList(map, key, "notifications") is not { } channels)
            {
                continue;
            }

            if (channels.Count > NotificationOptionsValidation.MaxChannelsPerEvent)
            {
                fields.Error(YamlFields.Find(map, key)!,
                    $"'{key}' names {channels.Count} channels, more than {NotificationOptionsValidation.MaxChannelsPerEvent}");
            }

            foreach (var (name, node) in channels.Where(c => !NotificationOptionsValidation.IsChannelName(c.Value)))
            {
                fields.Error(node, $"'{Shortened(name)}' in '{key}' is no channel name: letters, digits, '_', '-' and '.', at most {NotificationOptionsValidation.MaxNameLength}");
            }

            foreach (var (name, node) in channels.GroupBy(c => c.Value).Where(g => g.Count() > 1).Select(g => g.Last()))
            {
                fields.Error(node, $"'{key}' names the channel '{name}' twice");
            }

            routes[NotificationEvents.Kind(NotificationEvents.ByKey[key])] = channels.Select(c => c.Value).Distinct().ToList();
        }

        return routes;
    }

    private static string Shortened(string text) => text.Length <= 40 ? text : text[..39] + "…";
}
