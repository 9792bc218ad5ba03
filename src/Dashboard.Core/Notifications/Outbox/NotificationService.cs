using System.Text.Json;
using Dashboard.Core.Auditing;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations;
using Dashboard.Core.Persistence;
using Dashboard.Core.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Notifications.Outbox;

/// <summary>A channel as the page shows it: never a secret, only where it sends.</summary>
public sealed record ChannelSummary(string Name, ChannelKind Kind, WebhookFormat Format, string Target, string? Connection);

/// <summary>
/// The notifications page's side: the configured channels, the recent deliveries and a test
/// message per channel. Deliveries name DAGs, failures and receivers, so they are for an Op or an
/// Admin (who manage the connections channels use); a test goes through the outbox like any
/// event, with its audit row in the same transaction.
/// </summary>
public sealed class NotificationService(
    IDbContextFactory<DashboardDbContext> dbFactory, ActionRunner runner, IOptions<NotificationOptions> options, TimeProvider clock)
{
    public const int MaxListed = 500;

    /// <exception cref="AccessDeniedException">The actor may not manage notifications.</exception>
    public IReadOnlyList<ChannelSummary> Channels(Actor actor)
    {
        actor.Demand(Permission.ManageConnections, "see notification channels");
        return options.Value.Channels.OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => new ChannelSummary(c.Key, c.Value.Kind, c.Value.Format, c.Value.Target, c.Value.Connection))
            .ToList();
    }

    /// <summary>The newest deliveries, in <paramref name="state"/> when given.</summary>
    /// <exception cref="AccessDeniedException">The actor may not manage notifications.</exception>
    public async Task<IReadOnlyList<NotificationDelivery>> RecentAsync(Actor actor, NotificationState? state, int limit = 100, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageConnections, "see notification deliveries");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var query = db.Notifications.AsNoTracking();
        if (state is { } wanted)
        {
            query = query.Where(n => n.State == wanted);
        }

        return await query.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id).Take(Math.Clamp(limit, 1, MaxListed)).ToListAsync(ct);
    }

    /// <summary>Enqueues a test message to <paramref name="channel"/> alone; the delivery worker sends it like any other.</summary>
    /// <returns>The test's event id.</returns>
    /// <exception cref="AccessDeniedException">The actor may not manage notifications; nothing was enqueued.</exception>
    /// <exception cref="OperationRefusedException">No such channel.</exception>
    public Task<Guid> SendTestAsync(Actor actor, string channel, Guid? requestId = null, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageConnections, "send test notifications");
        if (!options.Value.Channels.ContainsKey(channel))
        {
            throw new OperationRefusedException($"There is no notification channel '{channel}' in the settings ({NotificationOptions.Section}:Channels).");
        }

        var eventId = Guid.NewGuid();
        return runner.RunAsync(requestId, db =>
        {
            var now = clock.GetUtcNow();
            db.Notifications.Add(new NotificationDelivery
            {
                EventId = eventId,
                Kind = NotificationEvents.Kind(NotificationEvent.Test),
                Channel = channel,
                Payload = JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["message"] = $"A test from {actor.Name}: this channel works.",
                    ["requested_by"] = actor.Name,
                    ["occurred_at"] = now,
                }),
                State = NotificationState.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
                UpdatedAt = now,
            });
            AuditWriter.Record(db, now, actor, "notification.test", null, 1, new { channel, event_id = eventId }, requestId: requestId);
            return Task.FromResult(eventId);
        }, Guid.Empty, ct);
    }
}
