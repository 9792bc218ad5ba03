using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Dashboard.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Notifications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "notifications",
                table: "dag",
                type: "json",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "notification",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    event_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    channel = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    dag_id = table.Column<string>(type: "text", nullable: true),
                    payload = table.Column<string>(type: "jsonb", nullable: false),
                    state = table.Column<string>(type: "text", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    claimed_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    last_error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    delivered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_notification", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_notification_created",
                table: "notification",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_notification_due",
                table: "notification",
                column: "next_attempt_at",
                filter: "state IN ('pending', 'delivering')");

            migrationBuilder.CreateIndex(
                name: "ix_notification_state_created",
                table: "notification",
                columns: new[] { "state", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ux_notification_event_channel",
                table: "notification",
                columns: new[] { "event_id", "channel" },
                unique: true);

            // Wakes the delivery workers of every instance when a transaction that enqueued deliveries
            // commits (never for one that rolls back), so they need not poll the table.
            migrationBuilder.Sql("""
                CREATE FUNCTION notify_notification_enqueued() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF EXISTS (SELECT FROM enqueued) THEN
                        PERFORM pg_notify('dashboard_notifications', '');
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER notification_enqueued AFTER INSERT ON notification
                    REFERENCING NEW TABLE AS enqueued FOR EACH STATEMENT EXECUTE FUNCTION notify_notification_enqueued();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION notify_notification_enqueued() CASCADE");

            migrationBuilder.DropTable(
                name: "notification");

            migrationBuilder.DropColumn(
                name: "notifications",
                table: "dag");
        }
    }
}
