using Dashboard.Core.Connections;
using Npgsql;

namespace Dashboard.Testing;

/// <summary>
/// A warehouse for the example taxi_pipeline on the tests' cluster: an empty database owned by a
/// login role of its own, with a password of its own (so a test can look for it in logs).
/// </summary>
public sealed record TestWarehouse(string ConnectionString)
{
    public NpgsqlConnectionStringBuilder Builder => new(ConnectionString);

    public string Password => Builder.Password!;

    /// <summary>The <c>warehouse</c> connection's fields, as the app makes them from ConnectionStrings:Warehouse.</summary>
    public ConnectionFields Fields => new("postgres", Builder.Host, Builder.Port, Builder.Database, Builder.Username, Password);

    /// <summary>What the DAG's env renders from the connection: psql's own variables.</summary>
    public IReadOnlyDictionary<string, string> PsqlEnvironment => new Dictionary<string, string>
    {
        ["PGHOST"] = Builder.Host!,
        ["PGPORT"] = Builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["PGDATABASE"] = Builder.Database!,
        ["PGUSER"] = Builder.Username!,
        ["PGPASSWORD"] = Password,
    };

    public static async Task<TestWarehouse> CreateAsync()
    {
        var cluster = await TestPostgres.GetClusterAsync();
        var name = $"warehouse_{Guid.NewGuid():N}";
        var password = $"wh-{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(cluster.SuperuserConnectionStringFor("postgres")))
        {
            await connection.OpenAsync();
            await using var role = new NpgsqlCommand($"CREATE ROLE {name} LOGIN PASSWORD '{password}'", connection);
            await role.ExecuteNonQueryAsync();
            await using var database = new NpgsqlCommand($"CREATE DATABASE {name} OWNER {name} TEMPLATE template0", connection);
            await database.ExecuteNonQueryAsync();
        }

        var appConnection = new NpgsqlConnectionStringBuilder(cluster.ConnectionStringFor(name)) { Username = name, Password = password };
        return new TestWarehouse(appConnection.ConnectionString);
    }

    /// <summary>The document's count query: rows of raw_trips per month of pickup.</summary>
    public async Task<IReadOnlyList<(string Month, long Trips)>> TripsPerMonthAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT to_char(lpep_pickup_datetime, 'YYYY-MM'), count(*) FROM raw_trips GROUP BY 1 ORDER BY 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, long)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return rows;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Closes the pooled connections, so the database can be dropped with the cluster.</summary>
    public void Release() => TestPostgres.ReleaseConnections(ConnectionString);
}
