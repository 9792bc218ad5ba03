using System.Globalization;
using System.Text;
using Npgsql;

namespace Dashboard.Bench;

/// <summary>
/// The grid benchmark's data: a DAG of <see cref="Tasks"/> tasks in <see cref="Groups"/> task groups,
/// loaded by the real DAG-file processor from a generated YAML file, and <see cref="Runs"/> finished
/// and running runs with a task instance for every task, inserted set-based.
/// </summary>
internal static class GridDataSet
{
    public const string DagId = "bench_grid";
    public const int Groups = 20;
    public const int TasksPerGroup = 50;
    public const int Tasks = Groups * TasksPerGroup;
    public const int Runs = 100;

    /// <summary>
    /// Every task is an empty task in a group. A group fans out from its first task, and each group's
    /// first task waits for the previous group's, so the DAG has realistic depth and width.
    /// </summary>
    public static string Yaml()
    {
        var yaml = new StringBuilder($"""
            dag_id: {DagId}
            description: {Tasks} tasks in {Groups} groups, for the grid benchmark
            schedule: null
            tasks:

            """);
        for (var group = 1; group <= Groups; group++)
        {
            for (var task = 1; task <= TasksPerGroup; task++)
            {
                var upstream = task > 1 ? $", upstream: {TaskId(group, 1)}" : group > 1 ? $", upstream: {TaskId(group - 1, 1)}" : "";
                yaml.Append(CultureInfo.InvariantCulture, $"  - {{id: {TaskId(group, task)}, group: {GroupId(group)}, kind: empty{upstream}}}\n");
            }
        }

        return yaml.ToString();
    }

    public static string GroupId(int group) => $"stage_{group:00}";

    public static string TaskId(int group, int task) => $"stage_{group:00}_task_{task:000}";

    /// <summary>
    /// <see cref="Runs"/> daily scheduled runs of the current version, oldest first: every ninth one
    /// failed, the newest still running. Each gets a task instance per task, with a state mix a real
    /// DAG has: finished runs are mostly success, with failures, their upstream_failed downstream,
    /// skips and retried successes; the running run is done for its first tasks, running, queued
    /// and scheduled in the middle, and has not started the rest.
    /// </summary>
    public static async Task SeedAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            INSERT INTO dag_run (dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end, run_after, state,
                                 queued_at, start_date, end_date, clear_number, conf, triggered_by, dag_version_id, updated_at)
            SELECT d.dag_id, 'scheduled__' || to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00', 'scheduled',
                   day, day, day + interval '1 day', day + interval '1 day',
                   CASE WHEN i = {Runs} THEN 'running' WHEN i % 9 = 0 THEN 'failed' ELSE 'success' END,
                   day + interval '1 day', day + interval '1 day 1 minute',
                   CASE WHEN i = {Runs} THEN NULL ELSE day + interval '1 day 41 minutes' END,
                   0, jsonb_build_object(), 'timetable', d.current_version_id, now()
            FROM dag d, generate_series(1, {Runs}) i, LATERAL (SELECT timestamptz '2026-01-01 00:00:00+00' + (i - 1) * interval '1 day' AS day) x
            WHERE d.dag_id = '{DagId}'
            """));

        // p is a stable pseudo-random 0..999 per (run, task), so the mix is the same on every machine.
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            INSERT INTO task_instance (dag_run_id, dag_id, task_id, state, try_number, max_tries, start_date, end_date, duration, updated_at)
            SELECT r.id, r.dag_id, t.task_id, s.state,
                   CASE WHEN s.state IS NULL OR s.state = 'scheduled' THEN 0 WHEN s.p % 40 = 0 THEN 2 ELSE 1 END,
                   1,
                   CASE WHEN s.started THEN r.start_date + t.ordinal * interval '2 seconds' END,
                   CASE WHEN s.started AND s.state <> 'running' THEN r.start_date + t.ordinal * interval '2 seconds' + (5 + s.p % 90) * interval '1 second' END,
                   CASE WHEN s.started AND s.state <> 'running' THEN 5 + s.p % 90 END,
                   now()
            FROM dag_run r
            JOIN dag_task t ON t.dag_version_id = r.dag_version_id
            CROSS JOIN LATERAL (SELECT (r.id * 7919 + t.ordinal * 104729) % 1000 AS p) h
            CROSS JOIN LATERAL (
                SELECT h.p, st.state, st.state IS NOT NULL AND st.state NOT IN ('scheduled', 'queued', 'upstream_failed', 'skipped') AS started
                FROM (SELECT CASE
                    WHEN r.state <> 'running' THEN CASE
                        WHEN h.p < 10 THEN 'failed'
                        WHEN h.p < 30 THEN 'upstream_failed'
                        WHEN h.p < 60 THEN 'skipped'
                        ELSE 'success' END
                    WHEN t.ordinal < {Tasks * 6 / 10} THEN CASE WHEN h.p < 10 THEN 'failed' WHEN h.p < 20 THEN 'up_for_retry' ELSE 'success' END
                    WHEN t.ordinal < {Tasks * 65 / 100} THEN 'running'
                    WHEN t.ordinal < {Tasks * 70 / 100} THEN 'queued'
                    WHEN t.ordinal < {Tasks * 76 / 100} THEN 'scheduled'
                    ELSE NULL END AS state) st
            ) s
            WHERE r.dag_id = '{DagId}'
            """));
        await batch.ExecuteNonQueryAsync(ct);

        await using var analyze = db.CreateCommand("VACUUM ANALYZE dag_run, task_instance, dag_task");
        await analyze.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The ids of the newest <paramref name="count"/> runs, as the grid picks its window.</summary>
    public static async Task<long[]> NewestRunIdsAsync(NpgsqlDataSource db, int count, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"SELECT id FROM dag_run WHERE dag_id = '{DagId}' ORDER BY run_after DESC, id DESC LIMIT {count}");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var ids = new List<long>();
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetInt64(0));
        }

        return [.. ids];
    }

    /// <summary>State counts, for the report: what the data set holds.</summary>
    public static async Task<List<(string State, long Count)>> StateMixAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"SELECT coalesce(state, 'none'), count(*) FROM task_instance WHERE dag_id = '{DagId}' GROUP BY 1 ORDER BY 2 DESC");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var mix = new List<(string, long)>();
        while (await reader.ReadAsync(ct))
        {
            mix.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return mix;
    }
}

/// <summary>One task-instance row as the raw-SQL baseline reads it.</summary>
internal sealed record RawTaskInstance(long RunId, string TaskId, string? State, int TryNumber, DateTimeOffset? StartDate, DateTimeOffset? EndDate);

/// <summary>The floor for reading the grid's cells: the same rows and columns with a plain command and reader, into a list.</summary>
internal static class RawGridRead
{
    public static async Task<List<RawTaskInstance>> ReadAsync(NpgsqlDataSource db, long[] runIds, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT dag_run_id, task_id, state, try_number, start_date, end_date FROM task_instance WHERE dag_run_id = ANY(@runs)",
            connection);
        command.Parameters.Add(new NpgsqlParameter<long[]>("runs", runIds));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<RawTaskInstance>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new RawTaskInstance(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return rows;
    }
}
