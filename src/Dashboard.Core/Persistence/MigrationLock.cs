using Microsoft.Extensions.Logging;
using Npgsql;

namespace Dashboard.Core.Persistence;

/// <summary>
/// A PostgreSQL session advisory lock that every instance holds while it migrates, so instances
/// starting together on one database migrate one after the other: the first applies what is
/// pending, the others wait and then find nothing left to do. EF Core's own history-table lock
/// does not make that safe: two instances that read the pending list at the same time both apply
/// the first migration, and one of them fails ("already exists").
/// </summary>
public sealed class MigrationLock : IAsyncDisposable
{
    /// <summary>Any fixed number works, as long as every version of the app uses the same one: "dashmigr".</summary>
    private const long Key = 0x646173686d696772;

    /// <summary>A migration that takes longer than this is stuck, not slow; the waiting instance gives up and says so.</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(10);

    private readonly NpgsqlConnection _connection;

    private MigrationLock(NpgsqlConnection connection) => _connection = connection;

    /// <summary>Takes the lock, waiting (and saying so) while another instance holds it.</summary>
    /// <exception cref="DatabaseUnavailableException">The database cannot be reached, or the lock was not granted in time.</exception>
    public static async Task<MigrationLock> AcquireAsync(string connectionString, ILogger logger, CancellationToken ct)
    {
        var target = DashboardDatabase.Describe(connectionString);
        // A connection of its own, outside the pool: closing it is what releases the lock should anything go wrong.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            if (!await ExecuteAsync(connection, "SELECT pg_try_advisory_lock(@key)", TimeSpan.FromSeconds(30), ct))
            {
                logger.LogInformation("Another instance is migrating the database {Database}; waiting for it to finish", target);
                await ExecuteAsync(connection, "SELECT true FROM pg_advisory_lock(@key)", MaxWait, ct);
            }

            return new MigrationLock(connection);
        }
        catch (Exception e) when (DashboardDatabase.IsUnavailable(e))
        {
            await connection.DisposeAsync();
            var reason = e is NpgsqlException { InnerException: TimeoutException }
                ? $"another instance has held the migration lock for {MaxWait.TotalMinutes:0} minutes; check it, or stop it"
                : DashboardDatabase.Reason(e);
            throw new DatabaseUnavailableException($"Cannot use the PostgreSQL database {target}: {reason}", e);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", _connection);
            unlock.Parameters.AddWithValue("key", Key);
            await unlock.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (DashboardDatabase.IsUnavailable(e))
        {
            // The session is gone, and the lock with it.
        }

        await _connection.DisposeAsync();
    }

    private static async Task<bool> ExecuteAsync(NpgsqlConnection connection, string sql, TimeSpan timeout, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = (int)timeout.TotalSeconds };
        command.Parameters.AddWithValue("key", Key);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }
}
