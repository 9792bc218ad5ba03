using Dashboard.Core.Notifications;

namespace Dashboard.Web.Hosting;

/// <summary>Keeps this instance's pages live: every committed change, from whichever instance, reaches them through the listener.</summary>
public sealed class ChangeListenerService(PostgresChangeListener listener) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => listener.RunAsync(stoppingToken);
}
