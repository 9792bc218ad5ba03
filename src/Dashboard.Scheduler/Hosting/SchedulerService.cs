using Dashboard.Scheduler.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Scheduler.Hosting;

/// <summary>Runs the scheduler loop: again at once while passes find work, else when woken or after the loop interval.</summary>
public sealed class SchedulerService(
    SchedulerLoop loop, EngineSignals signals, IOptions<SchedulerOptions> options, ILogger<SchedulerService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                // A pass is short and transactional: let it finish rather than abort it mid-way at shutdown.
                busy = await loop.RunOnceAsync(CancellationToken.None);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A lost database connection, say: log it and keep going, the next pass starts afresh.
                logger.LogError(e, "The scheduler pass failed");
            }

            if (!busy)
            {
                try
                {
                    await signals.Scheduler.WaitAsync(options.Value.LoopInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
