using Microsoft.Extensions.Logging;
using Npgsql;

namespace Dashboard.Core.Persistence.LocalPostgres;

/// <summary>
/// Makes every connection to the embedded cluster need a password. Anyone on the machine can
/// reach a loopback port, so trust authentication would make every local OS user a superuser (and
/// able to run programs as the server through COPY ... PROGRAM). Clusters made before this, with
/// trust authentication, are upgraded the same way on their next start.
/// </summary>
internal static class PasswordAuthentication
{
    /// <summary>The first line of the pg_hba.conf this class writes: its presence says the cluster is set up.</summary>
    private const string Marker = "# Dashboard: password (SCRAM-SHA-256) authentication, version 1";

    private const string SecuredRules = $"""
        {Marker}
        # Every connection needs a password; the roles' passwords are in {ClusterCredentials.FileName}.
        host all all 127.0.0.1/32 scram-sha-256

        """;

    /// <summary>While the passwords are set: no network at all, and a socket only this OS user can reach.</summary>
    private const string SetupRules = """
        # Dashboard is setting passwords: the server listens on a private unix socket only.
        local all all trust

        """;

    /// <summary>Only the name of the socket file (.s.PGSQL.N) while the server listens on no port.</summary>
    private const int SetupSocketPort = 5432;

    private static string HbaPath(string dataDirectory) => Path.Combine(dataDirectory, "pg_hba.conf");

    /// <summary>
    /// The roles' passwords, after setting them up when the cluster lacks them: new, made by an
    /// older version (trust), or with its password file lost. The server must not be running.
    /// </summary>
    public static async Task<ClusterCredentials> EnsureAsync(PostgresServer server, ILogger logger, CancellationToken ct)
    {
        var existing = ClusterCredentials.Load(server.DataDirectory);
        if (existing is not null && IsSecured(server.DataDirectory))
        {
            return existing;
        }

        logger.LogInformation("Setting up password authentication for the local PostgreSQL cluster in {DataDirectory}", server.DataDirectory);
        var credentials = existing ?? ClusterCredentials.Generate();
        await SetPasswordsAsync(server, credentials, ct);

        // In this order, so an interruption anywhere leaves a cluster the next start sets up again.
        credentials.Save(server.DataDirectory);
        await WriteRulesAsync(server.DataDirectory, SecuredRules, ct);
        return credentials;
    }

    private static bool IsSecured(string dataDirectory)
    {
        try
        {
            return File.ReadLines(HbaPath(dataDirectory)).FirstOrDefault() == Marker;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Sets the superuser's password and creates (or resets) the app's role, through a server
    /// started only for that, on a unix socket in a directory of this OS user (mode 700).
    /// </summary>
    private static async Task SetPasswordsAsync(PostgresServer server, ClusterCredentials credentials, CancellationToken ct)
    {
        var socketDirectory = Directory.CreateTempSubdirectory("dashboard-pg-").FullName;
        try
        {
            if (PostgresCommand.RunsAsServiceUser)
            {
                await PostgresCommand.GiveToServiceUserAsync(socketDirectory, ct);
            }

            await WriteRulesAsync(server.DataDirectory, SetupRules, ct);
            var settings = $"-p {SetupSocketPort} -c listen_addresses= -c unix_socket_directories={socketDirectory}";
            if (await server.TryStartAsync(settings, ct) is { } failure)
            {
                throw new LocalPostgresException($"PostgreSQL did not start on {server.DataDirectory} to set its passwords: {failure}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder
                {
                    Host = socketDirectory,
                    Port = SetupSocketPort,
                    Username = LocalPostgresCluster.SuperUser,
                    Database = "postgres",
                    Pooling = false,
                }.ConnectionString);
                await connection.OpenAsync(ct);
                await using var command = new NpgsqlCommand($"""
                    SET password_encryption = 'scram-sha-256';
                    ALTER ROLE {LocalPostgresCluster.SuperUser} PASSWORD {Literal(credentials.SuperuserPassword)};
                    DO $$ BEGIN
                        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{LocalPostgresCluster.AppRole}') THEN
                            CREATE ROLE {LocalPostgresCluster.AppRole} LOGIN;
                        END IF;
                    END $$;
                    ALTER ROLE {LocalPostgresCluster.AppRole} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
                        PASSWORD {Literal(credentials.AppPassword)};
                    """, connection);
                await command.ExecuteNonQueryAsync(ct);
            }
            finally
            {
                if (await server.TryStopAsync(CancellationToken.None) is { } stopFailure)
                {
                    throw new LocalPostgresException($"Could not stop PostgreSQL on {server.DataDirectory} after setting its passwords: {stopFailure}");
                }
            }
        }
        finally
        {
            Directory.Delete(socketDirectory, recursive: true);
        }
    }

    /// <summary>Replaces pg_hba.conf in one step, owned as the server needs it.</summary>
    private static async Task WriteRulesAsync(string dataDirectory, string rules, CancellationToken ct)
    {
        var path = HbaPath(dataDirectory);
        var temporary = path + ".new";
        await File.WriteAllTextAsync(temporary, rules, ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        if (PostgresCommand.RunsAsServiceUser)
        {
            await PostgresCommand.GiveToServiceUserAsync(temporary, ct);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>A SQL string literal; the generated passwords never hold a quote, but a literal is a literal.</summary>
    private static string Literal(string value) => $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";
}
