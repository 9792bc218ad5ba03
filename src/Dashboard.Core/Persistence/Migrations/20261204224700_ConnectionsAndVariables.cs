using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Dashboard.Core.Persistence.Migrations
{
    /// <summary>
    /// Connections and variables, their secrets encrypted with the key ring in secret_key, and each
    /// try's rendered command (masked) on the task instance and in its history.
    /// </summary>
    public partial class ConnectionsAndVariables : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "rendered_command",
                table: "task_instance_history",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "rendered_command",
                table: "task_instance",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "connection",
                columns: table => new
                {
                    conn_id = table.Column<string>(type: "text", nullable: false),
                    conn_type = table.Column<string>(type: "text", nullable: false),
                    description = table.Column<string>(type: "text", nullable: true),
                    host = table.Column<string>(type: "text", nullable: true),
                    port = table.Column<int>(type: "integer", nullable: true),
                    schema = table.Column<string>(type: "text", nullable: true),
                    login = table.Column<string>(type: "text", nullable: true),
                    encrypted_password = table.Column<string>(type: "text", nullable: true),
                    encrypted_extra = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_connection", x => x.conn_id);
                });

            migrationBuilder.CreateTable(
                name: "secret_key",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    friendly_name = table.Column<string>(type: "text", nullable: true),
                    xml = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_secret_key", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "variable",
                columns: table => new
                {
                    key = table.Column<string>(type: "text", nullable: false),
                    value = table.Column<string>(type: "text", nullable: false),
                    is_secret = table.Column<bool>(type: "boolean", nullable: false),
                    description = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_variable", x => x.key);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "connection");

            migrationBuilder.DropTable(
                name: "secret_key");

            migrationBuilder.DropTable(
                name: "variable");

            migrationBuilder.DropColumn(
                name: "rendered_command",
                table: "task_instance_history");

            migrationBuilder.DropColumn(
                name: "rendered_command",
                table: "task_instance");
        }
    }
}
