using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Dashboard.Core.Persistence.Migrations;

/// <summary>
/// What the executor needs on a task instance (who owns the try, when a retry is due), and the
/// triggers that announce every committed state change on <c>dashboard_changes</c>. Doing it in the
/// database means no code path can change a state and forget to tell the open pages.
/// </summary>
[DbContext(typeof(DashboardDbContext))]
[Migration("20261121120000_Execution")]
public sealed class Execution : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            ALTER TABLE task_instance
                ADD COLUMN executor_id text,
                ADD COLUMN retry_at timestamp with time zone;

            CREATE FUNCTION notify_task_instance_changes() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- Heartbeats update rows without changing what a page shows; they stay silent.
                PERFORM pg_notify('dashboard_changes', changed.dag_id || '|' || changed.dag_run_id)
                FROM (
                    SELECT DISTINCT n.dag_id, n.dag_run_id
                    FROM new_rows n
                    LEFT JOIN old_rows o ON o.id = n.id
                    WHERE o.id IS NULL
                       OR (o.state, o.try_number, o.start_date, o.end_date, o.note)
                          IS DISTINCT FROM (n.state, n.try_number, n.start_date, n.end_date, n.note)
                ) changed;
                RETURN NULL;
            END $$;

            CREATE FUNCTION notify_task_instance_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('dashboard_changes', changed.dag_id || '|' || changed.dag_run_id)
                FROM (SELECT DISTINCT dag_id, dag_run_id FROM new_rows) changed;
                RETURN NULL;
            END $$;

            CREATE FUNCTION notify_dag_run_changes() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('dashboard_changes', n.dag_id || '|' || n.id) FROM new_rows n;
                RETURN NULL;
            END $$;

            CREATE TRIGGER task_instance_changed AFTER UPDATE ON task_instance
                REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION notify_task_instance_changes();
            CREATE TRIGGER task_instance_inserted AFTER INSERT ON task_instance
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION notify_task_instance_inserts();
            CREATE TRIGGER dag_run_inserted AFTER INSERT ON dag_run
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION notify_dag_run_changes();
            CREATE TRIGGER dag_run_changed AFTER UPDATE ON dag_run
                REFERENCING NEW TABLE AS new_rows
                FOR EACH STATEMENT EXECUTE FUNCTION notify_dag_run_changes();
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            DROP TRIGGER dag_run_changed ON dag_run;
            DROP TRIGGER dag_run_inserted ON dag_run;
            DROP TRIGGER task_instance_inserted ON task_instance;
            DROP TRIGGER task_instance_changed ON task_instance;
            DROP FUNCTION notify_dag_run_changes(), notify_task_instance_inserts(), notify_task_instance_changes();
            ALTER TABLE task_instance DROP COLUMN executor_id, DROP COLUMN retry_at;
            """);
    }
}
