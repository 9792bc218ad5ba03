using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Dashboard.Core.Persistence.Migrations;

/// <summary>
/// The client's request id on each audit row, unique, so an action sent twice (a double click, a
/// retried request) is applied once: the second finds the first's row, or collides with it.
/// </summary>
[DbContext(typeof(DashboardDbContext))]
[Migration("20261123000000_AuditRequestId")]
public sealed class AuditRequestId : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("""
            ALTER TABLE audit_log ADD COLUMN request_id uuid;
            CREATE UNIQUE INDEX ux_audit_log_request_id ON audit_log (request_id);
            """);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("ALTER TABLE audit_log DROP COLUMN request_id;");
}
