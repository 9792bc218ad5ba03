using Dashboard.Core.Connections;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Observability;
using Dashboard.Core.Persistence;
using Dashboard.Scheduler.Execution;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Scheduler.Notifications;

/// <summary>
/// Sends the outbox's due deliveries. A claim (SKIP LOCKED) makes a row this worker's for the lease,
/// so any number of workers on one database send each row once; one that dies mid-send loses the
/// row when the lease ends and another sends it again (at least once: the event id lets receivers
/// drop the repeat). A failed send waits, doubling each time, and fails for good after the last
/// attempt, its error kept for the page.
/// </summary>
public sealed class DeliveryWorker(
    IDbContextFactory<DashboardDbContext> dbFactory,
    IOptions<NotificationOptions> options,
    ConfigLookup configLookup,
    WebhookSender webhooks,
    EmailSender email,
    DashboardMetrics metrics,
    TimeProvider clock,
    ILogger<DeliveryWorker> logger)
{
    /// <summary>Characters of an error kept on the row (its column's size).</summary>
    private const int MaxErrorLength = 2_000;

    /// <summary>Rows one prune deletes, so it never holds many locks or runs long.</summary>
    public const int PruneBatch = 1_000;

    /// <summary>host:process:random, like an executor's: whose claim a row is.</summary>
    public string WorkerId { get; } = ExecutorIdentity.NewId();

    /// <summary>Claims the due deliveries (a batch), sends them side by side and records each outcome.</summary>
    /// <returns>How many were claimed: a full batch means there may be more.</returns>
    public async Task<int> DeliverDueAsync(CancellationToken ct)
    {
        var claimed = await ClaimAsync(ct);
        await Task.WhenAll(claimed.Select(async delivery => await SettleAsync(delivery, await SendAsync(delivery, ct), CancellationToken.None)));
        return claimed.Count;
    }

    /// <summary>Deletes settled deliveries older than <see cref="NotificationDeliveryOptions.KeepFor"/>, a bounded batch at a time.</summary>
    /// <returns>How many were deleted: a full batch means there may be more.</returns>
    public async Task<int> PruneAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.ExecuteAsync("""
            DELETE FROM notification
            WHERE id IN (SELECT id FROM notification
                         WHERE created_at < @before AND state IN ('delivered', 'failed')
                         ORDER BY created_at LIMIT @batch)
            """, ct, P("before", clock.GetUtcNow() - options.Value.Delivery.KeepFor), P("batch", PruneBatch));
    }

    /// <summary>When the next unsettled delivery is due (a retry, or a lease that ends), or null for none.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var next = await db.QueryAsync(
            "SELECT min(next_attempt_at) FROM notification WHERE state IN ('pending', 'delivering')",
            r => r.NullableField<DateTimeOffset?>(0), ct);
        return next[0];
    }

    /// <summary>pending (due) or delivering (lease over) → delivering, this worker's until the lease ends.</summary>
    internal async Task<List<ClaimedDelivery>> ClaimAsync(CancellationToken ct)
    {
        var settings = options.Value.Delivery;
        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.QueryAsync("""
            WITH due AS (
                SELECT id FROM notification
                WHERE state IN ('pending', 'delivering') AND next_attempt_at <= @now
                ORDER BY next_attempt_at, id
                LIMIT @batch
                FOR UPDATE SKIP LOCKED
            )
            UPDATE notification n
            SET state = 'delivering', attempts = n.attempts + 1, next_attempt_at = @now + @lease, claimed_by = @worker, updated_at = @now
            FROM due WHERE n.id = due.id
            RETURNING n.id, n.event_id, n.kind, n.channel, n.payload::text, n.attempts
            """, r => new ClaimedDelivery(r.GetInt64(0), r.GetInt32(5), new NotificationMessage(r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetString(4))),
            ct, P("now", now), P("batch", settings.BatchSize), P("lease", settings.Lease), P("worker", WorkerId));
    }

    /// <returns>Null when delivered, else why not.</returns>
    internal async Task<NotificationSendException?> SendAsync(ClaimedDelivery delivery, CancellationToken ct)
    {
        var settings = options.Value;
        var message = delivery.Message;
        try
        {
            if (!settings.Channels.TryGetValue(message.Channel, out var channel))
            {
                throw new NotificationSendException(
                    $"the channel '{message.Channel}' is not in the settings ({NotificationOptions.Section}:Channels)", permanent: true);
            }

            var connection = await ConnectionOfAsync(channel, ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(settings.Delivery.SendTimeout);
            try
            {
                if (channel.Kind == ChannelKind.Webhook)
                {
                    await webhooks.SendAsync(channel, connection, message, timeout.Token);
                }
                else
                {
                    await email.SendAsync(channel, connection, message, settings.Delivery.SendTimeout, timeout.Token);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new NotificationSendException($"no answer within {settings.Delivery.SendTimeout.TotalSeconds:0.#} s");
            }

            return null;
        }
        catch (NotificationSendException e)
        {
            return e;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Sending notification {EventId} to {Channel} failed unexpectedly", message.EventId, message.Channel);
            return new NotificationSendException(e.Message);
        }
    }

    /// <summary>
    /// delivering → delivered, or pending again after a backoff, or failed after the last attempt.
    /// Only while the claim is still this worker's: one whose lease ran out leaves the row to its new owner.
    /// </summary>
    internal async Task SettleAsync(ClaimedDelivery delivery, NotificationSendException? failure, CancellationToken ct)
    {
        var settings = options.Value.Delivery;
        var now = clock.GetUtcNow();
        var giveUp = failure is not null && (failure.Permanent || delivery.Attempt >= settings.MaxAttempts);
        var state = failure is null ? "delivered" : giveUp ? "failed" : "pending";
        var error = failure is null ? null : Shortened(failure.Message);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var settled = await db.ExecuteAsync("""
            UPDATE notification
            SET state = @state, last_error = @error, next_attempt_at = @next, updated_at = @now,
                delivered_at = CASE WHEN @state = 'delivered' THEN @now END
            WHERE id = @id AND state = 'delivering' AND claimed_by = @worker AND attempts = @attempt
            """, ct, P("id", delivery.Id), P("attempt", delivery.Attempt), P("worker", WorkerId), P("state", state), P("error", error),
            P("next", failure is null || giveUp ? now : now + Backoff(delivery.Attempt, settings)), P("now", now));
        var message = delivery.Message;
        if (settled > 0)
        {
            var kind = options.Value.Channels.TryGetValue(message.Channel, out var channel) ? SnakeCase.ToSnakeCase(channel.Kind) : "unknown";
            metrics.NotificationDelivered(kind, failure is null);
        }

        if (settled == 0)
        {
            logger.LogWarning("Notification {EventId} to {Channel}: the claim ran out before its attempt ended; its new owner settles it",
                message.EventId, message.Channel);
        }
        else if (giveUp)
        {
            logger.LogError("Notification {EventId} to {Channel} failed after {Attempts} attempts: {Error}",
                message.EventId, message.Channel, delivery.Attempt, error);
        }
        else if (failure is not null)
        {
            logger.LogWarning("Notification {EventId} to {Channel}, attempt {Attempt}, failed and is retried: {Error}",
                message.EventId, message.Channel, delivery.Attempt, error);
        }
    }

    /// <summary>The wait after attempt <paramref name="attempt"/> failed: the first delay, doubled per attempt since, up to the cap.</summary>
    public static TimeSpan Backoff(int attempt, NotificationDeliveryOptions settings)
    {
        var doublings = Math.Min(attempt - 1, 30);
        var delay = settings.FirstRetryDelay.Ticks * (double)(1L << doublings);
        return TimeSpan.FromTicks((long)Math.Min(delay, settings.MaxRetryDelay.Ticks));
    }

    private async Task<ConnectionValue?> ConnectionOfAsync(NotificationChannelOptions channel, CancellationToken ct)
    {
        if (channel.Connection is not { } connId)
        {
            return null;
        }

        var config = await configLookup.LoadAsync([connId], [], ct);
        if (config.Problems.Count > 0)
        {
            throw new NotificationSendException(config.Problems[0]);
        }

        return config.Connections.GetValueOrDefault(connId)
               ?? throw new NotificationSendException($"there is no connection '{connId}' for the channel's secret");
    }

    private static string Shortened(string text) => text.Length <= MaxErrorLength ? text : text[..(MaxErrorLength - 1)] + "…";
}

/// <summary>A delivery this worker claimed: its row, which attempt this is (the claim's token) and what to send.</summary>
public sealed record ClaimedDelivery(long Id, int Attempt, NotificationMessage Message);
