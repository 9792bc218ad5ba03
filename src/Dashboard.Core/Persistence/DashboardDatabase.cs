using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Dashboard.Core.Persistence;

/// <summary>Getting from a connection string to a reachable, migrated database, with errors a person can act on.</summary>
public static class DashboardDatabase
{
    public static DbContextOptions<DashboardDbContext> Options(string connectionString)
    {
        var builder = new DbContextOptionsBuilder<DashboardDbContext>();
        Configure(builder, connectionString);
        return builder.Options;
    }

    public static void Configure(DbContextOptionsBuilder builder, string connectionString) =>
        QuietFailureEvents(builder.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("ef_migrations_history")));

    /// <summary>
    /// EF Core logs every failed command, query and connection as an error with its stack trace,
    /// before the exception reaches the code that ran it, which logs it once with what it was doing
    /// (and backs off while the database is away). Those events go to Debug, or a lost database
    /// would cost three stack traces per attempt.
    /// </summary>
    public static DbContextOptionsBuilder QuietFailureEvents(DbContextOptionsBuilder builder) =>
        builder.ConfigureWarnings(events => events.Log(
            (RelationalEventId.CommandError, LogLevel.Debug),
            (RelationalEventId.ConnectionError, LogLevel.Debug),
            (RelationalEventId.TransactionError, LogLevel.Debug),
            (CoreEventId.QueryIterationFailed, LogLevel.Debug),
            (CoreEventId.SaveChangesFailed, LogLevel.Debug)));

    /// <summary>Connects (failing fast with a specific message) and applies every pending migration.</summary>
    public static async Task MigrateAsync(string connectionString, CancellationToken ct = default)
    {
        var target = Describe(connectionString);
        try
        {
            await using var db = new DashboardDbContext(Options(connectionString));
            await db.Database.MigrateAsync(ct);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw new DatabaseUnavailableException($"Cannot use the PostgreSQL database {target}: {Reason(e)}", e);
        }
    }

    /// <summary>
    /// Connects (failing fast like <see cref="MigrateAsync"/>) and lists the migrations of this build
    /// that the database has not applied, applying none.
    /// </summary>
    public static async Task<IReadOnlyList<string>> PendingMigrationsAsync(string connectionString, CancellationToken ct = default)
    {
        var target = Describe(connectionString);
        try
        {
            await using var db = new DashboardDbContext(Options(connectionString));
            return [.. await db.Database.GetPendingMigrationsAsync(ct)];
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw new DatabaseUnavailableException($"Cannot use the PostgreSQL database {target}: {Reason(e)}", e);
        }
    }

    /// <summary>host:port/database, never the password.</summary>
    public static string Describe(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new DatabaseUnavailableException($"ConnectionStrings:Dashboard is not a valid PostgreSQL connection string: {e.Message}", e);
        }

        return $"{builder.Host ?? "localhost"}:{builder.Port}/{builder.Database ?? builder.Username ?? "(default)"}";
    }

    /// <summary>The database could not be reached or answered with an error: expected while it restarts, not a bug.</summary>
    public static bool IsUnavailable(Exception e) => DatabaseCause(e) is not null;

    /// <summary>
    /// The connection itself failed (refused, broken, timed out) or the server is shutting down or
    /// starting: nothing else will work either until it is back, unlike an error in one statement.
    /// </summary>
    public static bool IsConnectionLost(Exception e) => DatabaseCause(e) switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                                || pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow,
        null => false,
        _ => true,
    };

    /// <summary>Why a database operation failed, in one line a person can act on.</summary>
    public static string Reason(Exception e) => (DatabaseCause(e) ?? e) switch
    {
        PostgresException pg => $"{pg.MessageText} (SQLSTATE {pg.SqlState})",
        NpgsqlException { InnerException: SocketException socket } => socket.Message,
        NpgsqlException { InnerException: TimeoutException } => "the server did not answer in time",
        var cause => cause.Message,
    };

    /// <summary>
    /// The database's own exception behind <paramref name="e"/>: EF Core wraps one it considers
    /// transient in an InvalidOperationException ("likely due to a transient failure").
    /// </summary>
    private static Exception? DatabaseCause(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is NpgsqlException or SocketException or TimeoutException or DatabaseUnavailableException)
            {
                return current;
            }
        }

        return null;
    }
}

public sealed class DatabaseUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
