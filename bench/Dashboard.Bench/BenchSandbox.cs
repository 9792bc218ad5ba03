using Dashboard.Core.Persistence;
using Dashboard.Core.Persistence.LocalPostgres;
using Microsoft.Extensions.Logging.Abstractions;
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
