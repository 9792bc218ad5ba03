using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Dashboard.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class CrossDagLinks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "cross_dag",
                table: "dag_task",
                type: "jsonb",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "external_dag_id",
                table: "dag_task",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "external_task_id",
                table: "dag_task",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "triggering_dag_id",
                table: "dag_run",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "triggering_run_id",
                table: "dag_run",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "triggering_task_id",
                table: "dag_run",
                type: "text",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_dag_task_external_dag",
                table: "dag_task",
                columns: new[] { "external_dag_id", "external_task_id" },
                filter: "external_dag_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_dag_run_triggering",
                table: "dag_run",
                columns: new[] { "triggering_dag_id", "triggering_run_id", "triggering_task_id" },
                filter: "triggering_dag_id IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_dag_task_external_dag",
                table: "dag_task");

            migrationBuilder.DropIndex(
                name: "ix_dag_run_triggering",
                table: "dag_run");

            migrationBuilder.DropColumn(
                name: "cross_dag",
                table: "dag_task");

            migrationBuilder.DropColumn(
                name: "external_dag_id",
                table: "dag_task");

            migrationBuilder.DropColumn(
                name: "external_task_id",
                table: "dag_task");

            migrationBuilder.DropColumn(
                name: "triggering_dag_id",
                table: "dag_run");

            migrationBuilder.DropColumn(
                name: "triggering_run_id",
                table: "dag_run");

            migrationBuilder.DropColumn(
                name: "triggering_task_id",
                table: "dag_run");
        }
    }
}
