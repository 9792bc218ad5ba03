using Dashboard.Core.Persistence.LocalPostgres;

namespace Dashboard.Web.Hosting;

/// <summary>Restarts the embedded PostgreSQL server whenever it dies under the app (only when the app runs one).</summary>
public sealed class EmbeddedDatabaseService(LocalPostgresSupervisor supervisor) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => supervisor.RunAsync(stoppingToken);
}
