using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Dashboard.Core.Persistence.Migrations;

/// <summary>
/// Failed runs by end date, for the DAG list's "failed in the last 24 h" figures and its
/// "needs attention" section: without it every page load would scan the whole run history.
/// </summary>
[DbContext(typeof(DashboardDbContext))]
[Migration("20261122090000_FailedRunIndex")]
public sealed class FailedRunIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("CREATE INDEX ix_dag_run_failed_end_date ON dag_run (end_date) WHERE state = 'failed';");

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("DROP INDEX ix_dag_run_failed_end_date;");
}
