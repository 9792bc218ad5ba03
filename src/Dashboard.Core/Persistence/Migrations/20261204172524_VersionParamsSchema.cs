using Microsoft.EntityFrameworkCore.Migrations;

namespace Dashboard.Core.Persistence.Migrations;

/// <summary>
/// A DAG's params become JSON Schema, kept with each version (<c>dag_version.params</c>) instead of
/// as the DAG's defaults (<c>dag.params</c>): a run's conf is validated against its version's schema
/// and its tasks see that version's defaults. Every existing version takes the DAG's defaults, each
/// typed as its default is (which is what a conf was checked against until now), so nothing that
/// ran before runs differently. <c>json</c>, not <c>jsonb</c>, keeps the params in the file's order.
/// </summary>
public partial class VersionParamsSchema : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("""
            ALTER TABLE dag_version ADD COLUMN params json;
            UPDATE dag_version v SET params = json_build_object(
                'type', 'object',
                'properties', coalesce(
                    (SELECT json_object_agg(p.key, CASE jsonb_typeof(p.value)
                                WHEN 'null' THEN jsonb_build_object('default', p.value)
                                ELSE jsonb_build_object('type', jsonb_typeof(p.value), 'default', p.value)
                            END)
                     FROM jsonb_each(d.params) p),
                    '{}'::json))
            FROM dag d
            WHERE d.dag_id = v.dag_id;
            ALTER TABLE dag_version ALTER COLUMN params SET NOT NULL;

            -- A change of params now makes a new version, which current_version_id already announces.
            CREATE OR REPLACE FUNCTION notify_dag_changes() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- Every rescan stamps last_parsed_at on every DAG; that alone is not worth a reload.
                PERFORM pg_notify('dashboard_changes', n.dag_id || '|0')
                FROM new_rows n
                JOIN old_rows o ON o.dag_id = n.dag_id
                WHERE (o.description, o.schedule, o.timezone, o.start_date, o.end_date, o.catchup, o.max_active_runs,
                       o.max_active_tasks, o.is_paused, o.is_active, o.tags, o.file_location, o.current_version_id)
                      IS DISTINCT FROM
                      (n.description, n.schedule, n.timezone, n.start_date, n.end_date, n.catchup, n.max_active_runs,
                       n.max_active_tasks, n.is_paused, n.is_active, n.tags, n.file_location, n.current_version_id);
                RETURN NULL;
            END $$;

            ALTER TABLE dag DROP COLUMN params;
            """);

    protected override void Down(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("""
            ALTER TABLE dag ADD COLUMN params jsonb;
            UPDATE dag d SET params = coalesce(
                (SELECT jsonb_object_agg(p.key, p.value -> 'default')
                 FROM dag_version v, jsonb_each(v.params::jsonb -> 'properties') p
                 WHERE v.id = d.current_version_id AND p.value ? 'default'),
                '{}'::jsonb);
            ALTER TABLE dag ALTER COLUMN params SET NOT NULL;

            CREATE OR REPLACE FUNCTION notify_dag_changes() RETURNS trigger LANGUAGE plpgsql AS $$
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

            ALTER TABLE dag_version DROP COLUMN params;
            """);
}
