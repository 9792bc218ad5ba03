using Dashboard.Core.Persistence;
using Dashboard.Core.Persistence.LocalPostgres;
using Dashboard.Web.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Dashboard.Testing;

/// <summary>
/// One throw-away PostgreSQL cluster per test process, holding a migrated template database (the
/// domain's tables and the sign-in tables);
/// every test class gets its own database copied from the template in milliseconds.
/// </summary>
public static class TestPostgres
{
    public const string TemplateDatabase = "dashboard_template";
    private const string RootPrefix = "dashboard-tests-";

    private static readonly Lazy<Task<LocalPostgresCluster>> Cluster = new(StartAsync);
    private static readonly SemaphoreSlim CreateLock = new(1, 1);
    private static string? _root;

    public static Task<LocalPostgresCluster> GetClusterAsync() => Cluster.Value;

    /// <summary>A new, migrated, empty database; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string? name = null, bool migrated = true)
    {
        var cluster = await GetClusterAsync();
        name ??= $"test_{Guid.NewGuid():N}";
        await CreateLock.WaitAsync();
        try
        {
            await using var connection = new NpgsqlConnection(cluster.SuperuserConnectionStringFor("postgres"));
            await connection.OpenAsync();
            var template = migrated ? TemplateDatabase : "template0";
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE {template} OWNER {LocalPostgresCluster.AppRole}", connection);
            await create.ExecuteNonQueryAsync();
        }
        finally
        {
            CreateLock.Release();
        }

        return cluster.ConnectionStringFor(name);
    }

    /// <summary>
    /// Closes the idle pooled connections to a test's database once the test is done with it. The
    /// pool would keep them open for minutes (Npgsql's idle lifetime), and a run that goes through
    /// hundreds of databases faster than that runs the cluster out of connection slots.
    /// </summary>
    public static void ReleaseConnections(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        NpgsqlConnection.ClearPool(connection);
    }

    /// <summary>A fresh directory under this run's scratch space, removed when the process exits.</summary>
    public static string ScratchDirectory(string purpose)
    {
        var dir = Path.Combine(Root, $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string Root
    {
        get
        {
            if (_root is null)
            {
                RemoveLeftoversOfDeadRuns();
                var root = Path.Combine(Path.GetTempPath(), $"{RootPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
                Directory.CreateDirectory(root);
                if (Interlocked.CompareExchange(ref _root, root, null) is null)
                {
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => CleanUp(root);
                }
            }

            return _root;
        }
    }

    private static async Task<LocalPostgresCluster> StartAsync()
    {
        var cluster = await LocalPostgresCluster.StartAsync(
            new LocalPostgresOptions { DataDirectory = Path.Combine(Root, "cluster"), Database = TemplateDatabase, Durable = false },
            NullLogger.Instance);
        var template = cluster.ConnectionStringFor(TemplateDatabase);
        await DatabaseBootstrap.MigrateAsync(template, NullLogger.Instance, CancellationToken.None);

        // CREATE DATABASE ... TEMPLATE refuses a template that has open connections.
        NpgsqlConnection.ClearAllPools();
        return cluster;
    }

    private static void CleanUp(string root)
    {
        if (Cluster.IsValueCreated && Cluster.Value.IsCompletedSuccessfully)
        {
            Cluster.Value.Result.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        TryDelete(root);
    }

    /// <summary>A test process that was killed cannot clean up after itself; the next run does.</summary>
    private static void RemoveLeftoversOfDeadRuns()
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), RootPrefix + "*"))
        {
            var pidText = Path.GetFileName(dir)[RootPrefix.Length..].Split('-')[0];
            if (int.TryParse(pidText, out var pid) && !Directory.Exists($"/proc/{pid}"))
            {
                TryDelete(dir);
            }
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // best effort: a later run removes it
        }
    }
}
