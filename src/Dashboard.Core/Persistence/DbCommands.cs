using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Dashboard.Core.Persistence;

/// <summary>
/// Raw SQL on a context's connection and inside its current transaction, for the set-based
/// statements EF cannot express (CTEs with RETURNING, SKIP LOCKED, pg_notify).
/// </summary>
public static class DbCommands
{
    public static async Task<List<T>> QueryAsync<T>(
        this DashboardDbContext db, string sql, Func<DbDataReader, T> map, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = await CreateAsync(db, sql, parameters, ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    /// <summary>Streams rows to <paramref name="onRow"/> without collecting them, for reads that fill their own structure.</summary>
    public static async Task ForEachRowAsync(
        this DashboardDbContext db, string sql, Action<DbDataReader> onRow, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = await CreateAsync(db, sql, parameters, ct);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            onRow(reader);
        }
    }

    public static async Task<int> ExecuteAsync(this DashboardDbContext db, string sql, CancellationToken ct, params NpgsqlParameter[] parameters)
    {
        await using var command = await CreateAsync(db, sql, parameters, ct);
        return await command.ExecuteNonQueryAsync(ct);
    }

    public static NpgsqlParameter P<T>(string name, T value) => new NpgsqlParameter<T>(name, value);

    public static T? NullableField<T>(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? default : reader.GetFieldValue<T>(ordinal);

    private static async Task<DbCommand> CreateAsync(DashboardDbContext db, string sql, NpgsqlParameter[] parameters, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.Parameters.AddRange(parameters);
        return command;
    }
}
