using System.Text.Json.Nodes;
using Dashboard.Core.Dags;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Dashboard.Tests.Persistence;

/// <summary>
/// Params move from the DAG (its defaults) to each version (their JSON Schema): a database an older
/// build filled keeps what its runs saw, each default typed as a conf was checked against until then.
/// </summary>
public sealed class ParamsMigrationTests
{
    [Fact]
    public async Task Every_version_takes_its_dags_defaults_each_typed_as_its_default_is()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(migrated: false);
        await using (var db = new DashboardDbContext(DashboardDatabase.Options(connectionString)))
        {
            var migrations = db.Database.GetMigrations().ToList();
            var schema = migrations.FindIndex(id => id.EndsWith("_VersionParamsSchema", StringComparison.Ordinal));
            await db.GetService<IMigrator>().MigrateAsync(migrations[schema - 1]);
            await db.ExecuteAsync("""
                INSERT INTO dag (dag_id, timezone, catchup, max_active_runs, max_active_tasks, is_paused, is_active, tags, params)
                VALUES ('export', 'UTC', false, 16, 16, true, true, '{}', '{"table": "orders", "rows": 100, "dry_run": false, "tables": ["a"], "db": {"port": 5432}, "note": null}'),
                       ('plain', 'UTC', false, 16, 16, true, true, '{}', '{}');
                INSERT INTO dag_version (dag_id, version_number, structure_hash, created_at)
                VALUES ('export', 1, 'h1', now()), ('export', 2, 'h2', now()), ('plain', 1, 'h3', now());
                """, CancellationToken.None);
        }

        await DashboardDatabase.MigrateAsync(connectionString);

        await using var migrated = new DashboardDbContext(DashboardDatabase.Options(connectionString));
        var versions = await migrated.DagVersions.OrderBy(v => v.Id).Select(v => new { v.DagId, v.Params }).ToListAsync();
        var export = DagParams.FromJson(versions[0].Params);
        Assert.Equal(versions[0].Params, versions[1].Params);
        Assert.Equal(
            new Dictionary<string, ParamType?>
            {
                ["table"] = ParamType.String, ["rows"] = ParamType.Number, ["dry_run"] = ParamType.Boolean, ["tables"] = ParamType.Array,
                ["db"] = ParamType.Object, ["note"] = null,
            },
            export.Specs.ToDictionary(p => p.Name, p => p.Type));
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"table": "orders", "rows": 100, "dry_run": false, "tables": ["a"], "db": {"port": 5432}, "note": null}"""),
            export.Defaults()));
        Assert.Equal("""{"type":"object","properties":{}}""", DagParams.FromJson(versions[2].Params).ToJson());
        Assert.Equal("param 'rows': must be a number, got a string", Assert.Single(export.Validate(new() { ["rows"] = "many" })).ToString());
    }
}
