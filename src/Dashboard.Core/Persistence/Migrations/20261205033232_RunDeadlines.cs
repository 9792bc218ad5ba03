using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Dashboard.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RunDeadlines : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "deadline_at",
                table: "dag_run",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "deadline_missed_at",
                table: "dag_run",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<TimeSpan>(
                name: "deadline_interval",
                table: "dag",
                type: "interval",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "deadline_reference",
                table: "dag",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "max_consecutive_failed_dag_runs",
                table: "dag",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_dag_run_deadline_missed_at",
                table: "dag_run",
                column: "deadline_missed_at",
                filter: "deadline_missed_at IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_dag_run_deadline_pending",
                table: "dag_run",
                column: "deadline_at",
                filter: "deadline_at IS NOT NULL AND deadline_missed_at IS NULL AND state IN ('queued', 'running')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_dag_run_deadline_missed_at",
                table: "dag_run");

            migrationBuilder.DropIndex(
                name: "ix_dag_run_deadline_pending",
                table: "dag_run");

            migrationBuilder.DropColumn(
                name: "deadline_at",
                table: "dag_run");

            migrationBuilder.DropColumn(
                name: "deadline_missed_at",
                table: "dag_run");

            migrationBuilder.DropColumn(
                name: "deadline_interval",
                table: "dag");

            migrationBuilder.DropColumn(
                name: "deadline_reference",
                table: "dag");

            migrationBuilder.DropColumn(
                name: "max_consecutive_failed_dag_runs",
                table: "dag");
        }
    }
}
