using Dashboard.Core.Persistence;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Dashboard.Tests.Persistence;

/// <summary>
/// A database built by the migrations must have exactly the catalog of one built from the model.
/// CI's <c>dotnet ef migrations has-pending-model-changes</c> only compares the model with the
/// snapshot; the schema itself comes from SQL (the first migrations, written by hand, and every
/// <c>migrationBuilder.Sql</c> since), which only a real database checks against the model.
/// The same holds for the web app's sign-in tables (SecurityDbContext), which migrate apart.
/// </summary>
public sealed class MigrationDriftTests
{
    [Fact]
    public async Task Migrations_build_exactly_the_schema_of_the_model()
    {
        var migrated = await TestPostgres.CreateDatabaseAsync(migrated: false);
        await DashboardDatabase.MigrateAsync(migrated);

        var fromModel = await TestPostgres.CreateDatabaseAsync(migrated: false);
        await using (var db = new DashboardDbContext(DashboardDatabase.Options(fromModel)))
        {
            Assert.True(await db.Database.EnsureCreatedAsync());
        }

        var expected = await CatalogAsync(fromModel);
        var actual = await CatalogAsync(migrated);

        Assert.NotEmpty(expected);
        Assert.Equal(expected.Except(actual).Order(), Array.Empty<string>());   // in the model, missing from the migrations
        Assert.Equal(actual.Except(expected).Order(), Array.Empty<string>());   // in the migrations, not in the model
    }

    [Fact]
    public async Task The_sign_in_migrations_build_exactly_the_schema_of_their_model()
    {
        var migrated = await TestPostgres.CreateDatabaseAsync(migrated: false);
        await SecurityDbContext.MigrateAsync(migrated);

        var fromModel = await TestPostgres.CreateDatabaseAsync(migrated: false);
        await using (var db = new SecurityDbContext(SecurityDbContext.Options(fromModel)))
        {
            Assert.True(await db.Database.EnsureCreatedAsync());
        }

        var expected = await CatalogAsync(fromModel);
        var actual = await CatalogAsync(migrated);

        Assert.Contains(expected, line => line.StartsWith("column identity_user.must_change_password", StringComparison.Ordinal));
        Assert.Equal(expected.Except(actual).Order(), Array.Empty<string>());
        Assert.Equal(actual.Except(expected).Order(), Array.Empty<string>());
    }

    [Fact]
    public async Task The_sign_in_migrations_seed_the_four_roles()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(migrated: false);
        await SecurityDbContext.MigrateAsync(connectionString);

        await using var db = new SecurityDbContext(SecurityDbContext.Options(connectionString));
        var roles = await db.Roles.OrderBy(r => r.Name).Select(r => new { r.Name, r.NormalizedName }).ToListAsync();

        Assert.Equal(Enum.GetNames<Role>().Order(), roles.Select(r => r.Name));
        Assert.All(roles, r => Assert.Equal(r.Name!.ToUpperInvariant(), r.NormalizedName));
    }

    [Fact]
    public async Task Migrating_twice_is_a_no_op()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(migrated: false);
        await DashboardDatabase.MigrateAsync(connectionString);
        await SecurityDbContext.MigrateAsync(connectionString);
        var before = await CatalogAsync(connectionString);

        await DashboardDatabase.MigrateAsync(connectionString);
        await SecurityDbContext.MigrateAsync(connectionString);

        Assert.Equal(before, await CatalogAsync(connectionString));
    }

    [Fact]
    public async Task A_database_migrated_before_the_baselines_migrates_to_the_schema_of_a_fresh_one()
    {
        // As a database that an older build migrated: every hand-written migration, no baseline.
        var existing = await TestPostgres.CreateDatabaseAsync(migrated: false);
        await using (var db = new DashboardDbContext(DashboardDatabase.Options(existing)))
        {
            await MigrateToJustBeforeBaselineAsync(db);
        }

        await using (var db = new SecurityDbContext(SecurityDbContext.Options(existing)))
        {
            await MigrateToJustBeforeBaselineAsync(db);
        }

        await DashboardDatabase.MigrateAsync(existing);
        await SecurityDbContext.MigrateAsync(existing);

        var fresh = await TestPostgres.CreateDatabaseAsync(migrated: false);
        await DashboardDatabase.MigrateAsync(fresh);
        await SecurityDbContext.MigrateAsync(fresh);

        Assert.Empty(await DashboardDatabase.PendingMigrationsAsync(existing));
        Assert.Equal(await CatalogAsync(fresh), await CatalogAsync(existing));
    }

    private static async Task MigrateToJustBeforeBaselineAsync(DbContext db)
    {
        var migrations = db.Database.GetMigrations().ToList();
        var baseline = migrations.FindLastIndex(id => id.EndsWith("_Baseline", StringComparison.Ordinal));
        Assert.True(baseline > 0, "the baseline comes after the hand-written migrations");
        await db.GetService<IMigrator>().MigrateAsync(migrations[baseline - 1]);
        Assert.Equal(migrations[baseline..], await db.Database.GetPendingMigrationsAsync());
    }

    /// <summary>Every column, index and constraint of the public schema, one line each.</summary>
    private static async Task<List<string>> CatalogAsync(string connectionString)
    {
        const string sql = """
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || udt_name
                   || ' nullable=' || is_nullable || ' default=' || coalesce(column_default, '-')
                   || ' identity=' || is_identity || coalesce(' ' || identity_generation, '')
            FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name NOT IN ('ef_migrations_history', 'ef_security_migrations_history')
            UNION ALL
            SELECT 'index ' || indexdef
            FROM pg_indexes
            WHERE schemaname = 'public' AND tablename NOT IN ('ef_migrations_history', 'ef_security_migrations_history')
            UNION ALL
            SELECT 'constraint ' || rel.relname || '.' || con.conname || ' ' || pg_get_constraintdef(con.oid)
            FROM pg_constraint con
            JOIN pg_class rel ON rel.oid = con.conrelid
            JOIN pg_namespace ns ON ns.oid = rel.relnamespace
            WHERE ns.nspname = 'public' AND rel.relname NOT IN ('ef_migrations_history', 'ef_security_migrations_history')
            """;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
