using System.Net;
using Dashboard.Core.Processes;
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
/// reused afterwards, served on a free loopback port while this object lives. Every connection
/// needs a password (<see cref="PasswordAuthentication"/>); the app connects as
/// <see cref="AppRole"/>, which owns its database and is no superuser.
/// </summary>
public sealed class LocalPostgresCluster : IAsyncDisposable
{
    /// <summary>The role the app connects as: the owner of the app's database, nothing more.</summary>
    public const string AppRole = "dashboard_app";

    /// <summary>The cluster's bootstrap superuser (the name clusters of every version have), used only to create databases.</summary>
    internal const string SuperUser = "dashboard";

    /// <summary>The login role that owns <see cref="WarehouseDatabase"/>: tasks connect as it, never as the app's role.</summary>
    public const string WarehouseRole = "warehouse";

    /// <summary>The database the example pipelines load, beside the app's own.</summary>
    public const string WarehouseDatabase = "warehouse";

    private const int PortAttempts = 3;

    private readonly PostgresServer _server;
    private ClusterCredentials _credentials;
    private readonly string _settings;
    private readonly ILogger _logger;
    private FileStream? _instanceLock;

    private LocalPostgresCluster(
        PostgresServer server, int port, string settings, ClusterCredentials credentials, FileStream instanceLock, ILogger logger)
    {
        _server = server;
        Port = port;
        _settings = settings;
        _credentials = credentials;
        _instanceLock = instanceLock;
        _logger = logger;
        Postmaster = server.ReadyServer()?.Postmaster;
    }

    public string DataDirectory => _server.DataDirectory;

    public int Port { get; }

    /// <summary>The server process while this object started it and it runs (see <see cref="IsServing"/>).</summary>
    private LocalProcess? Postmaster { get; set; }

    /// <summary>False once the server this object started has gone away (killed, crashed); <see cref="RestartAsync"/> brings it back.</summary>
    public async Task<bool> IsServingAsync(CancellationToken ct) =>
        Postmaster?.IsRunning ?? await _server.IsRunningAsync(ct); // without /proc, pg_ctl checks

    /// <summary>A connection string for <paramref name="database"/> as the app's role.</summary>
    public string ConnectionStringFor(string database) => ConnectionStringFor(Port, database, AppRole, _credentials.AppPassword);

    /// <summary>As the superuser: for tools that create and drop databases (tests, benchmarks), never for the app.</summary>
    public string SuperuserConnectionStringFor(string database) => ConnectionStringFor(Port, database, SuperUser, _credentials.SuperuserPassword);

    private static string ConnectionStringFor(int port, string database, string user, string password) => new NpgsqlConnectionStringBuilder
    {
        Host = IPAddress.Loopback.ToString(),
        Port = port,
        Username = user,
        Password = password,
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

        var port = await WaitForRunningServerAsync(new PostgresServer(new PostgresCommand(PostgresBinaries.Locate()), dataDirectory), waitForServer, ct);
        var credentials = ClusterCredentials.Load(dataDirectory) ?? throw new LocalPostgresException(
            $"The Dashboard instance serving {dataDirectory} has not written its password file {ClusterCredentials.PathIn(dataDirectory)}. " +
            "Restart it with this version of Dashboard.");
        return new LocalPostgresLease(ConnectionStringFor(port, options.Database, AppRole, credentials.AppPassword), null);
    }

    private static async Task<LocalPostgresCluster> StartLockedAsync(
        LocalPostgresOptions options, string dataDirectory, FileStream instanceLock, ILogger logger, CancellationToken ct)
    {
        try
        {
            var command = new PostgresCommand(PostgresBinaries.Locate());
            var server = new PostgresServer(command, dataDirectory);
            await PrepareDataDirectoryAsync(dataDirectory, ct);
            if (!File.Exists(Path.Combine(dataDirectory, "PG_VERSION")))
            {
                logger.LogInformation("Creating a local PostgreSQL cluster in {DataDirectory}", dataDirectory);
                await InitDbAsync(command, dataDirectory, ct);
            }

            await StopOrphanedServerAsync(server, logger, ct);
            var credentials = await PasswordAuthentication.EnsureAsync(server, logger, ct);
            var settings = ServerSettings(options.Durable);
            var port = await StartServerAsync(server, settings, ct);
            var cluster = new LocalPostgresCluster(server, port, settings, credentials, instanceLock, logger);
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

    /// <summary>
    /// Creates <paramref name="database"/>, owned by the app's role, unless it exists; a database of
    /// an older cluster, made when the app connected as the superuser, is handed to the app's role.
    /// </summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken ct = default)
    {
        await using (var connection = new NpgsqlConnection(SuperuserConnectionStringFor("postgres")))
        {
            await connection.OpenAsync(ct);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
            exists.Parameters.AddWithValue("name", database);
            var sql = await exists.ExecuteScalarAsync(ct) is null
                ? $"CREATE DATABASE {Identifier(database)} OWNER {AppRole}"
                : $"ALTER DATABASE {Identifier(database)} OWNER TO {AppRole}";
            await using var create = new NpgsqlCommand(sql, connection);
            await create.ExecuteNonQueryAsync(ct);
        }

        await using (var connection = new NpgsqlConnection(SuperuserConnectionStringFor(database)))
        {
            await connection.OpenAsync(ct);
            await using var handOver = new NpgsqlCommand(HandOverToAppRole, connection);
            await handOver.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>
    /// Makes the warehouse: the <see cref="WarehouseRole"/> login role, no superuser, with the
    /// password kept in the cluster's password file (generated the first time), and the
    /// <see cref="WarehouseDatabase"/> database it owns. Safe to repeat: an existing role gets the
    /// stored password again, an existing database is left as it is.
    /// </summary>
    /// <returns>A connection string for the warehouse as its role.</returns>
    public async Task<string> EnsureWarehouseAsync(CancellationToken ct = default)
    {
        if (_credentials.WarehousePassword is null)
        {
            var credentials = _credentials.WithWarehousePassword();
            credentials.Save(DataDirectory);
            _credentials = credentials;
        }

        var password = _credentials.WarehousePassword!;
        await using var connection = new NpgsqlConnection(SuperuserConnectionStringFor("postgres"));
        await connection.OpenAsync(ct);
        await using (var role = new NpgsqlCommand($"""
            SET password_encryption = 'scram-sha-256';
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{WarehouseRole}') THEN
                    CREATE ROLE {WarehouseRole} LOGIN;
                END IF;
            END $$;
            ALTER ROLE {WarehouseRole} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
                PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}';
            """, connection))
        {
            await role.ExecuteNonQueryAsync(ct);
        }

        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", WarehouseDatabase);
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Identifier(WarehouseDatabase)} OWNER {WarehouseRole}", connection);
            try
            {
                await create.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // made a moment ago by another caller
            }
        }

        return ConnectionStringFor(Port, WarehouseDatabase, WarehouseRole, password);
    }

    /// <summary>
    /// Starts the server again on the port it had (every connection string of the app names that
    /// port) after it went away under the app. One attempt; the caller decides when to try again.
    /// </summary>
    /// <exception cref="LocalPostgresException">It did not start, with PostgreSQL's reason.</exception>
    public async Task RestartAsync(CancellationToken ct)
    {
        if (_instanceLock is null)
        {
            throw new ObjectDisposedException(nameof(LocalPostgresCluster));
        }

        if (await IsServingAsync(ct))
        {
            return;
        }

        NpgsqlConnection.ClearAllPools(); // every pooled connection went with the old server
        if (await _server.TryStartAsync(PortSettings(Port, _settings), ct) is { } failure)
        {
            throw new LocalPostgresException($"PostgreSQL did not start again on {DataDirectory}: {failure}");
        }

        Postmaster = _server.ReadyServer()?.Postmaster;
    }

    public async ValueTask DisposeAsync()
    {
        if (_instanceLock is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        if (await _server.TryStopAsync(CancellationToken.None) is { } failure)
        {
            _logger.LogWarning("Stopping local PostgreSQL failed: {Output}", failure);
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

    /// <summary>The port of the server running on the data directory, once it says it is ready.</summary>
    private static async Task<int> WaitForRunningServerAsync(PostgresServer server, TimeSpan wait, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            if (server.ReadyServer() is { } ready)
            {
                return ready.Port;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new LocalPostgresException(
                    $"The data directory {server.DataDirectory} is held by another Dashboard instance, but no PostgreSQL server is ready on it " +
                    $"(no ready {Path.Combine(server.DataDirectory, "postmaster.pid")}). Wait until that instance has started, or restart it.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
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
        // Trust only for the first moments: PasswordAuthentication replaces these rules before the server listens on any port.
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
    private static async Task StopOrphanedServerAsync(PostgresServer server, ILogger logger, CancellationToken ct)
    {
        if (!await server.IsRunningAsync(ct))
        {
            return;
        }

        logger.LogWarning("Stopping a PostgreSQL server left running on {DataDirectory} by an earlier instance", server.DataDirectory);
        if (await server.TryStopAsync(ct) is { } failure)
        {
            throw new LocalPostgresException($"Could not stop the PostgreSQL server left running on {server.DataDirectory}: {failure}");
        }
    }

    private static string ServerSettings(bool durable) =>
        durable
            ? "-c listen_addresses=127.0.0.1 -c unix_socket_directories="
            // Throw-away clusters serve many test databases at once, each with its own pools and listeners.
            : "-c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";

    private static string PortSettings(int port, string settings) => $"-p {port} {settings}";

    private static async Task<int> StartServerAsync(PostgresServer server, string settings, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = PostgresServer.FreeLoopbackPort();
            if (await server.TryStartAsync(PortSettings(port, settings), ct) is not { } failure)
            {
                return port;
            }

            if (attempt < PortAttempts && server.PortWasTaken())
            {
                continue; // another process took the port between our probe and the server's bind
            }

            throw new LocalPostgresException($"PostgreSQL did not start on {server.DataDirectory}: {failure}");
        }
    }

    private static string Identifier(string name) => $"\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>
    /// Gives the app's role what it must own in its database: tables (with their indexes and owned
    /// sequences), other sequences, functions and types. Only objects owned by someone else are
    /// touched, so after the first time this finds nothing to do.
    /// </summary>
    private const string HandOverToAppRole = $"""
        DO $$
        DECLARE item record;
        BEGIN
            FOR item IN
                SELECT format('ALTER %s %s OWNER TO {AppRole}',
                              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                              c.oid::regclass) AS statement
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relowner <> '{AppRole}'::regrole AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
                  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
                UNION ALL
                SELECT format('ALTER ROUTINE %s OWNER TO {AppRole}', p.oid::regprocedure)
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'public' AND p.proowner <> '{AppRole}'::regrole
                UNION ALL
                SELECT format('ALTER TYPE %s OWNER TO {AppRole}', t.oid::regtype)
                FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                WHERE n.nspname = 'public' AND t.typowner <> '{AppRole}'::regrole AND t.typtype IN ('e', 'd', 'r')
            LOOP
                EXECUTE item.statement;
            END LOOP;
        END $$
        """;
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
