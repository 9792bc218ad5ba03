using Dashboard.Core.Persistence.LocalPostgres;
using Dashboard.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Dashboard.Tests.Persistence;

public sealed class LocalPostgresClusterTests
{
    [Fact]
    public async Task Data_survives_a_stop_and_a_start_of_the_cluster()
    {
        var options = new LocalPostgresOptions { DataDirectory = Path.Combine(TestPostgres.ScratchDirectory("restart"), "pg"), Durable = false };

        await using (var first = await LocalPostgresCluster.StartAsync(options, NullLogger.Instance))
        {
            await ExecuteAsync(first, "CREATE TABLE kept (value text); INSERT INTO kept VALUES ('still here')");
        }

        Assert.True(File.Exists(Path.Combine(options.DataDirectory, "PG_VERSION")));
        await using var second = await LocalPostgresCluster.StartAsync(options, NullLogger.Instance);
        Assert.Equal("still here", await ScalarAsync(second, "SELECT value FROM kept"));
    }

    [Fact]
    public async Task A_second_instance_on_the_same_data_directory_is_refused_with_a_clear_message()
    {
        var options = new LocalPostgresOptions { DataDirectory = Path.Combine(TestPostgres.ScratchDirectory("lock"), "pg"), Durable = false };
        await using var first = await LocalPostgresCluster.StartAsync(options, NullLogger.Instance);

        var refused = await Assert.ThrowsAsync<LocalPostgresException>(() => LocalPostgresCluster.StartAsync(options, NullLogger.Instance));

        Assert.Contains("in use by another Dashboard instance", refused.Message);
        Assert.Contains(options.DataDirectory, refused.Message);
        Assert.Equal("1", await ScalarAsync(first, "SELECT '1'"));  // the first one is untouched
    }

    [Fact]
    public async Task A_data_directory_the_server_user_cannot_reach_is_named_in_the_error()
    {
        if (!Environment.IsPrivilegedProcess || OperatingSystem.IsWindows())
        {
            return; // only root hands the server to another user
        }

        var blocked = TestPostgres.ScratchDirectory("blocked");
        File.SetUnixFileMode(blocked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var refused = await Assert.ThrowsAsync<LocalPostgresException>(() => LocalPostgresCluster.StartAsync(
            new LocalPostgresOptions { DataDirectory = Path.Combine(blocked, "pg") }, NullLogger.Instance));

        Assert.Contains($"cannot enter {blocked}", refused.Message);
    }

    [Fact]
    public async Task Without_the_password_no_local_client_gets_in()
    {
        var options = new LocalPostgresOptions { DataDirectory = Path.Combine(TestPostgres.ScratchDirectory("private"), "pg"), Durable = false };
        await using var cluster = await LocalPostgresCluster.StartAsync(options, NullLogger.Instance);

        foreach (var user in new[] { LocalPostgresCluster.AppRole, "dashboard", "postgres" })
        {
            var withoutPassword = new NpgsqlConnectionStringBuilder(cluster.ConnectionStringFor("dashboard")) { Username = user, Password = null, Pooling = false };
            var refused = await Assert.ThrowsAnyAsync<NpgsqlException>(() => OpenAsync(withoutPassword.ConnectionString));
            Assert.Contains("password", refused.Message, StringComparison.OrdinalIgnoreCase);

            var wrongPassword = new NpgsqlConnectionStringBuilder(withoutPassword.ConnectionString) { Password = "guessed" };
            var wrong = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(wrongPassword.ConnectionString));
            Assert.Equal(PostgresErrorCodes.InvalidPassword, wrong.SqlState);
        }

        var passwordFile = Path.Combine(options.DataDirectory, "dashboard.pgpass");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
        }

        Assert.DoesNotContain("trust", await File.ReadAllTextAsync(Path.Combine(options.DataDirectory, "pg_hba.conf")));
    }

    [Fact]
    public async Task The_app_role_owns_its_database_and_is_no_superuser()
    {
        var options = new LocalPostgresOptions { DataDirectory = Path.Combine(TestPostgres.ScratchDirectory("role"), "pg"), Durable = false };
        await using var cluster = await LocalPostgresCluster.StartAsync(options, NullLogger.Instance);

        Assert.Equal("dashboard_app false dashboard_app", await ScalarAsync(cluster,
            "SELECT current_user || ' ' || (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) || ' ' || pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"));
        await ExecuteAsync(cluster, "CREATE TABLE mine (value text)"); // what migrations need
        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(cluster, "COPY mine FROM PROGRAM 'id'"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task The_warehouse_is_made_once_owned_by_its_own_role_with_a_password_kept_in_the_password_file()
    {
        var options = new LocalPostgresOptions { DataDirectory = Path.Combine(TestPostgres.ScratchDirectory("warehouse"), "pg"), Durable = false };
        await using var cluster = await LocalPostgresCluster.StartAsync(options, NullLogger.Instance);

        var warehouse = await cluster.EnsureWarehouseAsync();
        Assert.Equal(warehouse, await cluster.EnsureWarehouseAsync());

        var password = new NpgsqlConnectionStringBuilder(warehouse).Password!;
        Assert.Contains($"127.0.0.1:*:*:warehouse:{password}", await File.ReadAllLinesAsync(Path.Combine(options.DataDirectory, "dashboard.pgpass")));
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(warehouse) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var who = new NpgsqlCommand(
            "SELECT current_user || ' ' || (SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user) || ' ' || pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()",
            connection);
        Assert.Equal("warehouse false warehouse", await who.ExecuteScalarAsync());
        await using var dashboard = new NpgsqlCommand("SELECT has_database_privilege('dashboard', 'CREATE')", connection);
        Assert.Equal(false, await dashboard.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_cluster_made_with_trust_authentication_is_upgraded_on_start_and_keeps_its_data()
    {
        var options = new LocalPostgresOptions { DataDirectory = Path.Combine(TestPostgres.ScratchDirectory("upgrade"), "pg"), Durable = false };
        await using (var older = await LocalPostgresCluster.StartAsync(options, NullLogger.Instance))
        {
            await MakeLikeAnOlderVersionAsync(older);
        }

        // What earlier versions left: trust for everyone on loopback, no password file, everything owned by the superuser.
        await File.WriteAllTextAsync(Path.Combine(options.DataDirectory, "pg_hba.conf"),
            "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n");
        File.Delete(Path.Combine(options.DataDirectory, "dashboard.pgpass"));

        await using var upgraded = await LocalPostgresCluster.StartAsync(options, NullLogger.Instance);

        await ExecuteAsync(upgraded, "INSERT INTO kept (value) VALUES ('added after the upgrade')");
        Assert.Equal("still here, added after the upgrade", await ScalarAsync(upgraded, "SELECT string_agg(value, ', ' ORDER BY id) FROM kept"));
        Assert.Equal("dashboard_app dashboard_app", await ScalarAsync(upgraded,
            "SELECT pg_get_userbyid(c.relowner) || ' ' || pg_get_userbyid(p.proowner) FROM pg_class c, pg_proc p WHERE c.relname = 'kept' AND p.proname = 'kept_count'"));
        var withoutPassword = new NpgsqlConnectionStringBuilder(upgraded.ConnectionStringFor("dashboard")) { Username = "dashboard", Password = null, Pooling = false };
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => OpenAsync(withoutPassword.ConnectionString));
    }

    /// <summary>The superuser owns the database and its objects, and the app role does not exist (the app connected as the superuser).</summary>
    private static async Task MakeLikeAnOlderVersionAsync(LocalPostgresCluster cluster)
    {
        await using (var postgres = new NpgsqlConnection(cluster.SuperuserConnectionStringFor("postgres")))
        {
            await postgres.OpenAsync();
            await using var owner = new NpgsqlCommand("ALTER DATABASE dashboard OWNER TO dashboard", postgres);
            await owner.ExecuteNonQueryAsync();
        }

        await using (var dashboard = new NpgsqlConnection(cluster.SuperuserConnectionStringFor("dashboard")))
        {
            await dashboard.OpenAsync();
            await using var objects = new NpgsqlCommand("""
                CREATE TABLE kept (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, value text);
                INSERT INTO kept (value) VALUES ('still here');
                CREATE FUNCTION kept_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM kept';
                DROP OWNED BY dashboard_app;
                """, dashboard);
            await objects.ExecuteNonQueryAsync();
        }

        NpgsqlConnection.ClearAllPools();
        await using var cleanup = new NpgsqlConnection(cluster.SuperuserConnectionStringFor("postgres"));
        await cleanup.OpenAsync();
        await using var drop = new NpgsqlCommand("DROP OWNED BY dashboard_app; DROP ROLE dashboard_app; ALTER ROLE dashboard PASSWORD NULL", cleanup);
        await drop.ExecuteNonQueryAsync();
    }

    private static async Task OpenAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
    }

    private static async Task ExecuteAsync(LocalPostgresCluster cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionStringFor("dashboard"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string?> ScalarAsync(LocalPostgresCluster cluster, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionStringFor("dashboard"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (string?)await command.ExecuteScalarAsync();
    }
}
