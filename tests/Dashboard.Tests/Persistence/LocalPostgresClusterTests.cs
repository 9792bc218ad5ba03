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
