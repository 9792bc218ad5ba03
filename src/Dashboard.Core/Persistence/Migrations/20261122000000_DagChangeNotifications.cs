using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Dashboard.Core.Persistence.Migrations;

/// <summary>
/// Announces changes to DAGs themselves (<c>dag_id|0</c>) and to the import errors (<c>|0</c>, not
/// about one DAG) on <c>dashboard_changes</c>, as the Execution migration does for runs and task
/// instances. The triggers look at the transition tables, so a statement that changes nothing a
/// page shows (the file processor's rescans) stays silent.
/// </summary>
[DbContext(typeof(DashboardDbContext))]
[Migration("20261122000000_DagChangeNotifications")]
public sealed class DagChangeNotifications : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE FUNCTION notify_dag_changes() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- Every rescan stamps last_parsed_at on every DAG; that alone is not worth a reload.
                PERFORM pg_notify('dashboard_changes', n.dag_id || '|0')
                FROM new_rows n
                JOIN old_rows o ON o.dag_id = n.dag_id
                WHERE (o.description, o.schedule, o.timezone, o.start_date, o.end_date, o.catchup, o.max_active_runs,
                       o.max_active_tasks, o.is_paused, o.is_active, o.tags, o.params, o.file_location, o.current_version_id)
                      IS DISTINCT FROM
                      (n.description, n.schedule, n.timezone, n.start_date, n.end_date, n.catchup, n.max_active_runs,
                       n.max_active_tasks, n.is_paused, n.is_active, n.tags, n.params, n.file_location, n.current_version_id);
                RETURN NULL;
            END $$;

            -- A DAG that appeared or went away; its rows are in changed_rows, whichever the event.
            CREATE FUNCTION notify_dag_rows() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('dashboard_changes', c.dag_id || '|0') FROM changed_rows c;
                RETURN NULL;
            END $$;

            -- Statement triggers fire for statements that touch no row, such as the file processor's
            -- DELETE of the previous errors on a clean rescan: only real changes are announced.
            CREATE FUNCTION notify_import_error_changes() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT FROM changed_rows) THEN
                    PERFORM pg_notify('dashboard_changes', '|0');
                END IF;
                RETURN NULL;
            END $$;

            CREATE TRIGGER dag_changed AFTER UPDATE ON dag
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION notify_dag_changes();
            CREATE TRIGGER dag_inserted AFTER INSERT ON dag
                REFERENCING NEW TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION notify_dag_rows();
            CREATE TRIGGER dag_deleted AFTER DELETE ON dag
                REFERENCING OLD TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION notify_dag_rows();
            CREATE TRIGGER import_error_inserted AFTER INSERT ON import_error
                REFERENCING NEW TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION notify_import_error_changes();
            CREATE TRIGGER import_error_changed AFTER UPDATE ON import_error
                REFERENCING NEW TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION notify_import_error_changes();
            CREATE TRIGGER import_error_deleted AFTER DELETE ON import_error
                REFERENCING OLD TABLE AS changed_rows
                FOR EACH STATEMENT EXECUTE FUNCTION notify_import_error_changes();
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            DROP TRIGGER import_error_deleted ON import_error;
            DROP TRIGGER import_error_changed ON import_error;
            DROP TRIGGER import_error_inserted ON import_error;
            DROP TRIGGER dag_deleted ON dag;
            DROP TRIGGER dag_inserted ON dag;
            DROP TRIGGER dag_changed ON dag;
            DROP FUNCTION notify_import_error_changes(), notify_dag_rows(), notify_dag_changes();
            """);
    }
}
