using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Dashboard.Core.Persistence.LocalPostgres;

public sealed record LocalPostgresOptions
{
    public required string DataDirectory { get; init; }
    public string Database { get; init; } = "dashboard";

    /// <summary>False turns off fsync and friends: much faster, and fine for a throw-away test cluster.</summary>
    public bool Durable { get; init; } = true;
}

/// <summary>
/// A private PostgreSQL cluster in a data directory of the app's own: created on first start,
/// reused afterwards, served on a free loopback port while this object lives.
/// </summary>
public sealed class LocalPostgresCluster : IAsyncDisposable
{
    private const string SuperUser = "dashboard";
    private const int PortAttempts = 3;

    private readonly PostgresCommand _command;
    private readonly ILogger _logger;
    private FileStream? _instanceLock;

    private LocalPostgresCluster(string dataDirectory, int port, PostgresCommand command, FileStream instanceLock, ILogger logger)
    {
        DataDirectory = dataDirectory;
        Port = port;
        _command = command;
        _instanceLock = instanceLock;
        _logger = logger;
    }

    public string DataDirectory { get; }
    public int Port { get; }

    public string ConnectionStringFor(string database) => ConnectionStringFor(Port, database);

    private static string ConnectionStringFor(int port, string database) => new NpgsqlConnectionStringBuilder
    {
        Host = IPAddress.Loopback.ToString(),
        Port = port,
        Username = SuperUser,
        Database = database,
    }.ConnectionString;

    public static Task<LocalPostgresCluster> StartAsync(LocalPostgresOptions options, ILogger logger, CancellationToken ct = default)
    {
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        return StartLockedAsync(options, dataDirectory, AcquireInstanceLock(dataDirectory), logger, ct);
    }

    /// <summary>
    /// For a short-lived tool beside the app (the command line): the server that the app holding
    /// the data directory serves right now, found through PostgreSQL's own postmaster.pid, since that
    /// app chose a free port when it started. When no app holds the directory, a server is started
    /// for the tool exactly as the app starts it, and stopped when the lease is disposed. A directory
    /// without a cluster is refused: a new, empty one would hold nothing for the tool to work on.
    /// </summary>
    /// <param name="waitForServer">How long to wait for the server of an app that is still starting.</param>
    public static async Task<LocalPostgresLease> AttachOrStartAsync(
        LocalPostgresOptions options, ILogger logger, TimeSpan waitForServer, CancellationToken ct = default)
    {
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        if (TryAcquireInstanceLock(dataDirectory) is { } instanceLock)
        {
            if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
            {
                await instanceLock.DisposeAsync();
                throw new LocalPostgresException(
                    $"There is no local database in {dataDirectory} yet. Start Dashboard once to create it, or set ConnectionStrings:Dashboard.");
            }

            var cluster = await StartLockedAsync(options, dataDirectory, instanceLock, logger, ct);
            return new LocalPostgresLease(cluster.ConnectionStringFor(options.Database), cluster);
        }

        var port = await WaitForRunningServerAsync(dataDirectory, waitForServer, ct);
        return new LocalPostgresLease(ConnectionStringFor(port, options.Database), null);
    }

    private static async Task<LocalPostgresCluster> StartLockedAsync(
        LocalPostgresOptions options, string dataDirectory, FileStream instanceLock, ILogger logger, CancellationToken ct)
    {
        try
        {
            var command = new PostgresCommand(PostgresBinaries.Locate());
            await PrepareDataDirectoryAsync(dataDirectory, ct);
            if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
            {
                logger.LogInformation("Creating a local PostgreSQL cluster in {DataDirectory}", dataDirectory);
                await InitDbAsync(command, dataDirectory, ct);
            }

            await StopOrphanedServerAsync(command, dataDirectory, logger, ct);
            var port = await StartServerAsync(command, dataDirectory, options.Durable, ct);
            var cluster = new LocalPostgresCluster(dataDirectory, port, command, instanceLock, logger);
            await cluster.EnsureDatabaseAsync(options.Database, ct);
            logger.LogInformation("Local PostgreSQL is serving {DataDirectory} on 127.0.0.1:{Port}", dataDirectory, port);
            return cluster;
        }
        catch
        {
            await instanceLock.DisposeAsync();
            throw;
        }
    }

    public async Task EnsureDatabaseAsync(string database, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres"));
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_instanceLock is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        var result = await _command.PgCtlAsync(["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60"], CancellationToken.None);
        if (result.ExitCode != 0)
        {
            _logger.LogWarning("Stopping local PostgreSQL failed: {Output}", result.Output.Trim());
        }

        await _instanceLock.DisposeAsync();
        _instanceLock = null;
    }

    /// <summary>
    /// Two app instances on one data directory would fight over the server, so the first holds an
    /// exclusive lock on a file beside it. The OS drops the lock when the process dies, even by SIGKILL.
    /// </summary>
    private static FileStream AcquireInstanceLock(string dataDirectory) =>
        TryAcquireInstanceLock(dataDirectory) ?? throw new LocalPostgresException(
            $"The data directory {dataDirectory} is in use by another Dashboard instance (lock file {LockPath(dataDirectory)}). " +
            "Stop that instance, or give this one its own Database:DataDirectory.");

    /// <returns>The held lock, or null when another instance holds it.</returns>
    private static FileStream? TryAcquireInstanceLock(string dataDirectory)
    {
        var lockPath = LockPath(dataDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string LockPath(string dataDirectory) => dataDirectory.TrimEnd(Path.DirectorySeparatorChar) + ".lock";

    /// <summary>
    /// The port of the server running on <paramref name="dataDirectory"/>, read from postmaster.pid
    /// (line 4 is the port, line 8 the server's status) once the server says it is ready.
    /// </summary>
    private static async Task<int> WaitForRunningServerAsync(string dataDirectory, TimeSpan wait, CancellationToken ct)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var lines = ReadLines(pidFile);
            if (lines is [_, _, _, var portLine, _, _, _, var status, ..]
                && status.Trim() == "ready"
                && int.TryParse(portLine.Trim(), System.Globalization.CultureInfo.InvariantCulture, out var port))
            {
                return port;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new LocalPostgresException(
                    $"The data directory {dataDirectory} is held by another Dashboard instance, but no PostgreSQL server is ready on it " +
                    $"(no ready {pidFile}). Wait until that instance has started, or restart it.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return []; // not written yet, or being rewritten by the server
        }
    }

    private static async Task PrepareDataDirectoryAsync(string dataDirectory, CancellationToken ct)
    {
        Directory.CreateDirectory(dataDirectory);
        if (!PostgresCommand.RunsAsServiceUser)
        {
            MakeOwnerOnly(dataDirectory);
            return;
        }

        // Running as root: the server runs as the postgres user, which must reach the directory.
        for (var dir = Path.GetDirectoryName(dataDirectory); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (!await PostgresCommand.ServiceUserCanEnterAsync(dir, ct))
            {
                throw new LocalPostgresException(
                    $"The '{PostgresCommand.ServiceUser}' user cannot enter {dir}, so it cannot run the server for {dataDirectory}. " +
                    $"Allow it (chmod o+rx {dir}) or choose a Database:DataDirectory elsewhere.");
            }
        }

        await PostgresCommand.GiveToServiceUserAsync(dataDirectory, ct);
        MakeOwnerOnly(dataDirectory);
    }

    /// <summary>PostgreSQL refuses a data directory that others can read.</summary>
    private static void MakeOwnerOnly(string directory)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static async Task InitDbAsync(PostgresCommand command, string dataDirectory, CancellationToken ct)
    {
        // Trust authentication is safe here only because the server listens on loopback alone.
        var result = await command.InitDbAsync(
            ["-D", dataDirectory, "-U", SuperUser, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-instructions"], ct);
        if (result.ExitCode != 0)
        {
            throw new LocalPostgresException($"initdb failed for {dataDirectory}: {result.Output.Trim()}");
        }
    }

    /// <summary>
    /// A server left running by an instance that was killed (we hold the instance lock, so it is
    /// nobody's) is stopped; a postmaster.pid without a live server is handled by PostgreSQL itself.
    /// </summary>
    private static async Task StopOrphanedServerAsync(PostgresCommand command, string dataDirectory, ILogger logger, CancellationToken ct)
    {
        var status = await command.PgCtlAsync(["status", "-D", dataDirectory], ct);
        if (status.ExitCode != 0)
        {
            return;
        }

        logger.LogWarning("Stopping a PostgreSQL server left running on {DataDirectory} by an earlier instance", dataDirectory);
        var stop = await command.PgCtlAsync(["stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60"], ct);
        if (stop.ExitCode != 0)
        {
            throw new LocalPostgresException($"Could not stop the PostgreSQL server left running on {dataDirectory}: {stop.Output.Trim()}");
        }
    }

    private static async Task<int> StartServerAsync(PostgresCommand command, string dataDirectory, bool durable, CancellationToken ct)
    {
        var logFile = Path.Combine(dataDirectory, "server.log");
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var settings = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=";
            if (!durable)
            {
                // Throw-away clusters serve many test databases at once, each with its own pools and listeners.
                settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
            }

            var result = await command.PgCtlAsync(["start", "-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", settings], ct);
            if (result.ExitCode == 0)
            {
                return port;
            }

            var log = ReadTail(logFile);
            if (attempt < PortAttempts && log.Contains("could not bind", StringComparison.OrdinalIgnoreCase))
            {
                continue; // another process took the port between our probe and the server's bind
            }

            throw new LocalPostgresException($"PostgreSQL did not start on {dataDirectory}: {result.Output.Trim()} {log}".Trim());
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string ReadTail(string path) => string.Join(Environment.NewLine, ReadLines(path).TakeLast(5));
}

/// <summary>
/// A connection string to the local cluster for as long as a tool needs it; disposing it stops the
/// server only when the tool started that server itself.
/// </summary>
public sealed class LocalPostgresLease(string connectionString, LocalPostgresCluster? startedHere) : IAsyncDisposable
{
    public string ConnectionString { get; } = connectionString;

    /// <summary>True when no app was serving the data directory and the server was started for this lease.</summary>
    public bool StartedHere => startedHere is not null;

    public ValueTask DisposeAsync() => startedHere?.DisposeAsync() ?? ValueTask.CompletedTask;
}
