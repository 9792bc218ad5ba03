using Dashboard.Core.Persistence;
using Dashboard.Scheduler.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Scheduler.Hosting;

/// <summary>
/// Runs the scheduler loop: again at once while passes find work, else when woken or after the loop
/// interval; after a failed pass (a lost database, say) it waits longer with every failure in a row.
/// </summary>
public sealed class SchedulerService(
    SchedulerLoop loop, EngineSignals signals, IOptions<SchedulerOptions> options, ILogger<SchedulerService> logger) : BackgroundService
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = new FailureBackoff(logger, "The scheduler pass", options.Value.LoopInterval, MaxRetryDelay);
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = false;
            var wait = options.Value.LoopInterval;
            try
            {
                // A pass is short and transactional: let it finish rather than abort it mid-way at shutdown.
                busy = await loop.RunOnceAsync(CancellationToken.None);
                failures.Succeeded();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The next pass starts afresh.
                wait = failures.Failed(e);
            }

            if (!busy)
            {
                try
                {
                    await signals.Scheduler.WaitAsync(wait, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
