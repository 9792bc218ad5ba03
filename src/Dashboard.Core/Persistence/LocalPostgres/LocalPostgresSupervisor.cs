using Microsoft.Extensions.Logging;

namespace Dashboard.Core.Persistence.LocalPostgres;

/// <summary>
/// Keeps the embedded server running under the app. Every second it checks that the server the
/// cluster started still runs; when it does not (killed, crashed, out of memory), it starts it
/// again on the same port, backing off while starts fail, with one log line per attempt. Pages,
/// the engine and the change listener meanwhile retry on their own and resume once it serves.
/// </summary>
public sealed class LocalPostgresSupervisor(LocalPostgresCluster cluster, TimeProvider time, ILogger<LocalPostgresSupervisor> logger)
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>Supervises until <paramref name="ct"/> is cancelled (the app stops, and stops the server itself).</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                await Task.Delay(CheckInterval, time, ct);
                if (!await cluster.IsServingAsync(ct))
                {
                    await RestartAsync(ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task RestartAsync(CancellationToken ct)
    {
        logger.LogWarning("The local PostgreSQL server of {DataDirectory} has stopped; starting it again on 127.0.0.1:{Port}",
            cluster.DataDirectory, cluster.Port);
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await cluster.RestartAsync(ct);
                logger.LogInformation("The local PostgreSQL server is serving again on 127.0.0.1:{Port} (attempt {Attempt})", cluster.Port, attempt);
                return;
            }
            catch (LocalPostgresException e)
            {
                // Typically the old server's processes have not all exited yet, or its port was taken meanwhile.
                logger.LogWarning("Starting the local PostgreSQL server failed (attempt {Attempt}: {Reason}); trying again in {Delay} s",
                    attempt, e.Message, delay.TotalSeconds);
            }

            await Task.Delay(delay, time, ct);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }
}
