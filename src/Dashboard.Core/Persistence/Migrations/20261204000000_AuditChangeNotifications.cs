using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Dashboard.Core.Persistence.Migrations;

/// <summary>
/// Audit rows announce themselves: as their DAG's change (<c>dag_id|0</c>), or, for actions about
/// no DAG (user administration), as a change not about one DAG (<c>|0</c>). Before this, the audit
/// log page heard of an action only through the state change that came with it, so a user created
/// or disabled never appeared until something else changed.
/// </summary>
[DbContext(typeof(DashboardDbContext))]
[Migration("20261204000000_AuditChangeNotifications")]
public sealed class AuditChangeNotifications : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("""
            CREATE FUNCTION notify_audit_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('dashboard_changes', coalesce(changed.dag_id, '') || '|0')
                FROM (SELECT DISTINCT dag_id FROM new_rows) changed;
                RETURN NULL;
            END $$;

            CREATE TRIGGER audit_log_inserted AFTER INSERT ON audit_log
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION notify_audit_inserts();
            """);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("""
            DROP TRIGGER audit_log_inserted ON audit_log;
            DROP FUNCTION notify_audit_inserts();
            """);
}
