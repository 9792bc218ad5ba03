using Dashboard.Core.Persistence;
using Dashboard.Scheduler.DagFiles;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Scheduler.Hosting;

/// <summary>
/// Keeps the database in line with the DAG folder: at start, shortly after any file change the
/// watcher reports (changes are coalesced, editors save in bursts), and on a periodic rescan.
/// </summary>
public sealed class DagFolderService(
    DagFileProcessor processor, IOptions<DagFileOptions> options, ILogger<DagFolderService> logger) : BackgroundService
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);

    private readonly WorkSignal changed = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var watcher = CreateWatcher();
        var failures = new FailureBackoff(logger, "Processing the DAG folder", FirstRetryDelay, options.Value.RescanInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = options.Value.RescanInterval;
            try
            {
                await processor.ProcessFolderAsync(stoppingToken);
                failures.Succeeded();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Retried sooner than the next rescan at first, then less and less often, or on the next change.
                wait = failures.Failed(e);
            }

            try
            {
                if (await changed.WaitAsync(wait, stoppingToken))
                {
                    await Task.Delay(Debounce, stoppingToken);
                    await changed.WaitAsync(TimeSpan.Zero, stoppingToken); // fold the burst's other events into this pass
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private FileSystemWatcher? CreateWatcher()
    {
        var folder = options.Value.FullFolderPath;
        if (!Directory.Exists(folder))
        {
            return null;
        }

        var watcher = new FileSystemWatcher(folder)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            IncludeSubdirectories = false,
        };
        watcher.Changed += (_, _) => changed.Pulse();
        watcher.Created += (_, _) => changed.Pulse();
        watcher.Deleted += (_, _) => changed.Pulse();
        watcher.Renamed += (_, _) => changed.Pulse();
        watcher.Error += (_, e) => logger.LogWarning(e.GetException(), "The DAG folder watcher failed; the periodic rescan still applies changes");
        watcher.EnableRaisingEvents = true;
        return watcher;
    }
}
