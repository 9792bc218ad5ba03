using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Dashboard.Core.Persistence.Migrations;

/// <summary>
/// A clear archives every cleared try in one INSERT, and the history's foreign key checked each
/// row on its own: for 10,000 task instances that was a sixth of the whole clear. History is only
/// ever written from the task_instance row it describes, so the key guarded nothing on insert;
/// what it did on delete, removing a task instance's history with it, a statement trigger now
/// does for the whole deleted set at once.
/// </summary>
[DbContext(typeof(DashboardDbContext))]
[Migration("20261123010000_HistoryWithoutForeignKey")]
public sealed class HistoryWithoutForeignKey : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("""
            ALTER TABLE task_instance_history DROP CONSTRAINT fk_task_instance_history_task_instance_id;

            CREATE FUNCTION delete_task_instance_history() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                DELETE FROM task_instance_history h USING old_rows o WHERE h.task_instance_id = o.id;
                RETURN NULL;
            END $$;

            CREATE TRIGGER task_instance_deleted AFTER DELETE ON task_instance
                REFERENCING OLD TABLE AS old_rows
                FOR EACH STATEMENT EXECUTE FUNCTION delete_task_instance_history();
            """);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("""
            DROP TRIGGER task_instance_deleted ON task_instance;
            DROP FUNCTION delete_task_instance_history();
            DELETE FROM task_instance_history h WHERE NOT EXISTS (SELECT 1 FROM task_instance ti WHERE ti.id = h.task_instance_id);
            ALTER TABLE task_instance_history ADD CONSTRAINT fk_task_instance_history_task_instance_id
                FOREIGN KEY (task_instance_id) REFERENCES task_instance (id) ON DELETE CASCADE;
            """);
}
