using Dashboard.Core.Persistence.LocalPostgres;
using Dashboard.Core.Persistence;
using Dashboard.Core;
using Dashboard.Scheduler.DagFiles;
using Dashboard.Scheduler;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Dashboard.Bench;

/// <summary>
/// A temporary directory holding a throw-away PostgreSQL cluster (non-durable, like the tests'),
/// the DAG folder and the executor's data directory; all of it is gone after disposal.
/// </summary>
internal sealed class BenchSandbox : IAsyncDisposable
{
    private const string Database = "dashboard";

    private BenchSandbox(string root, LocalPostgresCluster cluster)
    {
        Root = root;
        Cluster = cluster;
    }

    public string Root { get; }

    public LocalPostgresCluster Cluster { get; }

    public string ConnectionString => Cluster.ConnectionStringFor(Database);

    public string DagFolder => Path.Combine(Root, "dags");

    public string DataDirectory => Path.Combine(Root, "work");

    /// <summary>Starts and migrates the cluster. Not cancellable: a half-started server would outlive the process.</summary>
    public static async Task<BenchSandbox> CreateAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), $"dashboard-bench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(root, "dags"));
        Directory.CreateDirectory(Path.Combine(root, "work"));
        LocalPostgresCluster? cluster = null;
        try
        {
            cluster = await LocalPostgresCluster.StartAsync(
                new LocalPostgresOptions { DataDirectory = Path.Combine(root, "cluster"), Database = Database, Durable = false },
                NullLogger.Instance);
            var sandbox = new BenchSandbox(root, cluster);
            await DashboardDatabase.MigrateAsync(sandbox.ConnectionString);
            await sandbox.AllowCheckpointsAsync();
            return sandbox;
        }
        catch
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }

            TryDelete(root);
            throw;
        }
    }

    /// <summary>
    /// The app's role is no superuser, but a data set's reset ends with a CHECKPOINT, so that no
    /// measurement pays for writing out the previous one's pages.
    /// </summary>
    private async Task AllowCheckpointsAsync()
    {
        await using var db = NpgsqlDataSource.Create(Cluster.SuperuserConnectionStringFor(Database));
        await using var grant = db.CreateCommand($"GRANT pg_checkpoint TO {LocalPostgresCluster.AppRole}");
        await grant.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The Core and engine services as the app registers them, on this sandbox's database and
    /// folders. No hosted service runs, so only the benchmark changes rows.
    /// </summary>
    public ServiceProvider EngineServices(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dags:Folder"] = DagFolder,
            ["Executor:DataDirectory"] = DataDirectory,
            ["Executor:Enabled"] = "false",
            ["Scheduler:Enabled"] = "false",
        }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        services.AddDashboardCore(ConnectionString, configuration);
        services.AddDashboardScheduler(configuration);
        return services.BuildServiceProvider();
    }

    /// <summary>Loads the DAG files written to <see cref="DagFolder"/>, failing on any import error.</summary>
    public static async Task LoadDagsAsync(IServiceProvider services, CancellationToken ct)
    {
        await services.GetRequiredService<DagFileProcessor>().ProcessFolderAsync(ct);
        await using var db = await services.GetRequiredService<IDbContextFactory<DashboardDbContext>>().CreateDbContextAsync(ct);
        var errors = await db.ImportErrors.Select(e => $"{e.FileLocation}:{e.Line}: {e.Message}").ToListAsync(ct);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"The benchmark DAG did not load: {string.Join("; ", errors)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Cluster.DisposeAsync();
        TryDelete(Root);
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"Could not remove {directory}: {e.Message}");
        }
    }
}
