using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Dashboard.Core.Persistence.Migrations;

/// <summary>
/// Backfill rows announce their changes as their DAG's (<c>dag_id|0</c>), so the progress pages
/// and the DAG page's banner see a pause, an unpause or a completion without polling. Run changes
/// are announced already.
/// </summary>
[DbContext(typeof(DashboardDbContext))]
[Migration("20261123020000_BackfillChangeNotifications")]
public sealed class BackfillChangeNotifications : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("""
            CREATE FUNCTION notify_backfill_changes() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('dashboard_changes', changed.dag_id || '|0') FROM (SELECT DISTINCT dag_id FROM new_rows) changed;
                RETURN NULL;
            END $$;

            CREATE TRIGGER backfill_inserted AFTER INSERT ON backfill
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION notify_backfill_changes();
            CREATE TRIGGER backfill_changed AFTER UPDATE ON backfill
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION notify_backfill_changes();
            """);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("""
            DROP TRIGGER backfill_changed ON backfill;
            DROP TRIGGER backfill_inserted ON backfill;
            DROP FUNCTION notify_backfill_changes();
            """);
}
