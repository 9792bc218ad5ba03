using Dashboard.Scheduler.Execution;
using Microsoft.Extensions.Hosting;

namespace Dashboard.Scheduler.Hosting;

/// <summary>Hosts the local executor; on shutdown it interrupts running tries so they are retried, not lost.</summary>
public sealed class ExecutorService(LocalExecutor executor) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => executor.RunAsync(stoppingToken);
}
