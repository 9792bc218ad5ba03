using Dashboard.Core;
using Dashboard.Core.Persistence;
using Dashboard.Core.Persistence.LocalPostgres;
using Dashboard.Web.Hosting;

namespace Dashboard.Web.Cli;

/// <summary>
/// The app's database for one command, with Core's services on it: the server ConnectionStrings:Dashboard
/// names, or else the embedded cluster of Database:DataDirectory, the one the running app serves
/// (started for the command, as the app starts it, when no app is running). No hosted service is
/// registered, so nothing of the web host, the scheduler or the executor runs.
/// </summary>
internal sealed class CliDatabase : IAsyncDisposable
{
    /// <summary>An app that was started a moment before the command may still be starting its server.</summary>
    private static readonly TimeSpan WaitForStartingApp = TimeSpan.FromSeconds(30);

    private readonly ServiceProvider _services;
    private readonly LocalPostgresLease? _lease;

    private CliDatabase(ServiceProvider services, LocalPostgresLease? lease)
    {
        _services = services;
        _lease = lease;
    }

    public IServiceProvider Services => _services;

    /// <exception cref="LocalPostgresException">The embedded cluster cannot be found or started.</exception>
    /// <exception cref="DatabaseUnavailableException">The database cannot be reached, or its schema is behind this build.</exception>
    public static async Task<CliDatabase> OpenAsync(IConfiguration configuration, TextWriter warnings, CancellationToken ct)
    {
        var connectionString = DatabaseBootstrap.ConfiguredConnectionString(configuration);
        LocalPostgresLease? lease = null;
        if (connectionString is null)
        {
            using var loggers = LoggerFactory.Create(builder => builder.AddProvider(new WarningWriterProvider(warnings)));
            lease = await LocalPostgresCluster.AttachOrStartAsync(
                DatabaseBootstrap.LocalClusterOptions(configuration), loggers.CreateLogger("Dashboard.Database"), WaitForStartingApp, ct);
            connectionString = lease.ConnectionString;
        }

        try
        {
            await EnsureSchemaIsCurrentAsync(connectionString, ct);
            var services = new ServiceCollection()
                .AddLogging(builder => builder.AddProvider(new WarningWriterProvider(warnings)))
                .AddDashboardCore(connectionString, configuration)
                .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
            return new CliDatabase(services, lease);
        }
        catch
        {
            if (lease is not null)
            {
                await lease.DisposeAsync();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        if (_lease is not null)
        {
            await _lease.DisposeAsync();
        }
    }

    /// <summary>
    /// A command checks the schema but never migrates it. Migrating is the app's start-up job, where
    /// a failure stops the app in front of whoever started it; from a script it could change the
    /// schema under a running app of an older build, which would then fail on every statement.
    /// </summary>
    private static async Task EnsureSchemaIsCurrentAsync(string connectionString, CancellationToken ct)
    {
        var pending = await DashboardDatabase.PendingMigrationsAsync(connectionString, ct);
        if (pending.Count > 0)
        {
            throw new DatabaseUnavailableException(
                $"The database {DashboardDatabase.Describe(connectionString)} is {CliText.Count(pending.Count, "migration")} behind this build " +
                $"(the first missing is {pending[0]}). Start the app once so it migrates the database, then run the command again.");
        }
    }
}
