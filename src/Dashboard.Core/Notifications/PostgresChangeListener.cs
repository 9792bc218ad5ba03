using Dashboard.Core.Persistence;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Dashboard.Core.Notifications;

/// <summary>
/// The bridge from PostgreSQL to the in-process <see cref="ChangeNotifier"/>: one dedicated
/// connection per app instance LISTENs on <see cref="ChangeChannel.Name"/> and publishes every
/// notification. What is sent while the connection is down is lost for good, so once it listens
/// again it tells every subscriber to resynchronise instead.
/// </summary>
public sealed class PostgresChangeListener(
    string connectionString, ChangeNotifier notifier, TimeProvider time, ILogger<PostgresChangeListener> logger)
{
    /// <summary>How the listening connection shows in <c>pg_stat_activity</c>.</summary>
    public const string ApplicationName = "Dashboard change listener";

    // A terminated backend or a closed socket ends the wait at once. A server that stops answering
    // (a cut network, a hung host) does not, so a connection quiet for PingInterval is pinged: such
    // a failure is noticed within PingInterval + PingTimeoutSeconds.
    private const int PingTimeoutSeconds = 3;
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(connectionString)
    {
        ApplicationName = ApplicationName,
        // A connection of its own for the app's lifetime; a pool would only hand a LISTENing session to someone else.
        Pooling = false,
        // A ping that timed out breaks the connection at once: a server that does not answer will not
        // acknowledge the cancellation either, and waiting for it only delays the reconnect.
        CancellationTimeout = -1,
    }.ConnectionString;

    /// <summary>Listens until <paramref name="ct"/> is cancelled, reconnecting with backoff whenever the connection fails.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var retryDelay = FirstRetryDelay;
        var missedChanges = false;
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                connection.Notification += (_, e) => Forward(e.Payload);
                await connection.OpenAsync(ct);
                await using (var listen = new NpgsqlCommand($"LISTEN {ChangeChannel.Name}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }

                // Only now, with LISTEN in place, can a reload be trusted to see everything it missed.
                if (missedChanges)
                {
                    logger.LogInformation("Listening for changes again; open pages reload");
                    notifier.PublishResync();
                    missedChanges = false;
                }

                retryDelay = FirstRetryDelay;
                await ReceiveUntilBrokenAsync(connection, ct);
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                // Expected while the database restarts or the network fails: one line per attempt, no stack trace.
                logger.LogWarning("Not listening for changes ({Reason}); trying again in {Delay} s",
                    DashboardDatabase.Reason(e), retryDelay.TotalSeconds);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Listening for changes failed; trying again in {Delay} s", retryDelay.TotalSeconds);
            }

            missedChanges = true;
            try
            {
                await Task.Delay(retryDelay, time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            retryDelay = TimeSpan.FromTicks(Math.Min(retryDelay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }

    /// <summary>Lets notifications arrive (each raises <see cref="NpgsqlConnection.Notification"/>) until the connection fails.</summary>
    private static async Task ReceiveUntilBrokenAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        while (true)
        {
            if (!await connection.WaitAsync(PingInterval, ct))
            {
                await using var ping = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = PingTimeoutSeconds };
                await ping.ExecuteNonQueryAsync(ct);
            }
        }
    }

    private void Forward(string payload)
    {
        if (ChangeChannel.Parse(payload) is { } change)
        {
            notifier.Publish(change.DagId, change.RunId);
        }
        else
        {
            logger.LogDebug("Ignored a change notification in an unknown format: {Payload}", payload);
        }
    }
}
