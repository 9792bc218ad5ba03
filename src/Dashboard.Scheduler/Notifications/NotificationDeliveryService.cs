using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Scheduler.Notifications;

/// <summary>
/// Runs a <see cref="DeliveryWorker"/> beside (never inside) the scheduler loop, so a slow or dead
/// receiver never holds up scheduling. It wakes when a row is written anywhere (the table's trigger
/// notifies <see cref="Channel"/>) and when a retry falls due, and otherwise polls only as a fallback.
/// </summary>
public sealed class NotificationDeliveryService(
    DeliveryWorker worker,
    IDbContextFactory<DashboardDbContext> dbFactory,
    IOptions<NotificationOptions> options,
    TimeProvider clock,
    ILogger<NotificationDeliveryService> logger) : BackgroundService
{
    /// <summary>The channel the <c>notification</c> table's insert trigger notifies (see the Notifications migration).</summary>
    public const string Channel = "dashboard_notifications";

    public const string ApplicationName = "Dashboard notification worker";

    private const int PingTimeoutSeconds = 3;
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FirstFailureDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxFailureDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The least the loop waits when a pass claimed less than a batch: a row due now that it did not
    /// get is being claimed by another instance, and asking again at once would only spin.
    /// </summary>
    private static readonly TimeSpan ShortestWait = TimeSpan.FromSeconds(1);

    /// <summary>How often old deliveries are pruned; any instance may, the deletes are idempotent.</summary>
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    private readonly WorkSignal _wake = new();
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = ListenAsync(stoppingToken);
        var failures = new FailureBackoff(logger, "Delivering notifications", FirstFailureDelay, MaxFailureDelay);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                TimeSpan wait;
                try
                {
                    var claimed = await worker.DeliverDueAsync(stoppingToken);
                    await PruneWhenDueAsync(stoppingToken);
                    failures.Succeeded();
                    wait = claimed >= options.Value.Delivery.BatchSize ? TimeSpan.Zero : await UntilNextDueAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    wait = failures.Failed(e);
                }

                if (wait > TimeSpan.Zero)
                {
                    await _wake.WaitAsync(wait, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await listening;
    }

    private async Task PruneWhenDueAsync(CancellationToken ct)
    {
        if (clock.GetUtcNow() < _nextPrune)
        {
            return;
        }

        while (await worker.PruneAsync(ct) == DeliveryWorker.PruneBatch)
        {
        }

        _nextPrune = clock.GetUtcNow() + PruneInterval;
    }

    private async Task<TimeSpan> UntilNextDueAsync(CancellationToken ct)
    {
        var poll = options.Value.Delivery.PollInterval;
        var next = await worker.NextDueAsync(ct);
        return next is { } due ? TimeSpan.FromTicks(Math.Clamp((due - clock.GetUtcNow()).Ticks, ShortestWait.Ticks, poll.Ticks)) : poll;
    }

    /// <summary>
    /// Holds a LISTEN connection for as long as the service runs, reconnecting after a loss, and wakes
    /// the loop on each notification. A quiet connection is pinged, so a cut one is noticed and replaced.
    /// </summary>
    private async Task ListenAsync(CancellationToken ct)
    {
        string connectionString;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            connectionString = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString())
            {
                ApplicationName = ApplicationName,
                // A connection of its own; a pool would hand a LISTENing session to someone else.
                Pooling = false,
            }.ConnectionString;
        }

        var failures = new FailureBackoff(logger, "Listening for new notifications", FirstFailureDelay, MaxFailureDelay);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, _) => _wake.Pulse();
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }

                failures.Succeeded();
                _wake.Pulse(); // rows written while not listening
                await using var ping = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = PingTimeoutSeconds };
                while (true)
                {
                    if (!await connection.WaitAsync(PingInterval, ct))
                    {
                        await ping.ExecuteScalarAsync(ct);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var delay = failures.Failed(e);
                try
                {
                    await Task.Delay(delay, clock, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
