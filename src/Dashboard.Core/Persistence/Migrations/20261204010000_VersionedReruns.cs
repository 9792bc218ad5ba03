using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Dashboard.Core.Persistence.Migrations;

/// <summary>
/// What re-runs on the current DAG version need: each version keeps the file's text (the Code tab
/// shows and diffs it), and each try records the version it ran, in task_instance and in its
/// history. Existing rows take their run's version, which is the version they ran.
/// </summary>
[DbContext(typeof(DashboardDbContext))]
[Migration("20261204010000_VersionedReruns")]
public sealed class VersionedReruns : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("""
            ALTER TABLE dag_version ADD COLUMN source text, ADD COLUMN file_location text;

            ALTER TABLE task_instance ADD COLUMN dag_version_id integer;
            UPDATE task_instance ti SET dag_version_id = r.dag_version_id FROM dag_run r WHERE r.id = ti.dag_run_id;

            ALTER TABLE task_instance_history ADD COLUMN dag_version_id integer;
            UPDATE task_instance_history h SET dag_version_id = r.dag_version_id FROM dag_run r WHERE r.id = h.dag_run_id;
            """);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("""
            ALTER TABLE task_instance_history DROP COLUMN dag_version_id;
            ALTER TABLE task_instance DROP COLUMN dag_version_id;
            ALTER TABLE dag_version DROP COLUMN source, DROP COLUMN file_location;
            """);
}
