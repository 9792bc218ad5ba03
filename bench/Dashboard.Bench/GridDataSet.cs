using System.Globalization;
using System.Text;
using Npgsql;

namespace Dashboard.Bench;

/// <summary>
/// A grid benchmark DAG: <see cref="Tasks"/> tasks in <see cref="Groups"/> task groups, loaded by the
/// real DAG-file processor from a generated YAML file, and <see cref="Runs"/> finished and running
/// runs with a task instance for every task, inserted set-based.
/// </summary>
internal sealed record GridDataSet(string DagId, int Groups, int TasksPerGroup, int Runs)
{
    /// <summary>The grid benchmark's first DAG; the Graph benchmark colours its own DAG of the same id with these runs.</summary>
    public static readonly GridDataSet Standard = new("bench_grid", 20, 50, 100);

    /// <summary>Five times the tasks: the size where a grid that draws every row, or sends every cell as markup, gives out.</summary>
    public static readonly GridDataSet Large = new("bench_grid_5k", 100, 50, 100);

    private const int SeedTimeoutSeconds = 600;

    public int Tasks => Groups * TasksPerGroup;

    /// <summary>The grid's rows with every group expanded (the page's default): a row per group and per task.</summary>
    public int Rows => Groups + Tasks;

    /// <summary>
    /// Every task is an empty task in a group. A group fans out from its first task, and each group's
    /// first task waits for the previous group's, so the DAG has realistic depth and width.
    /// </summary>
    public string Yaml()
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

    /// <summary>Zero-padded to the widest group number, so the groups sort as they are numbered.</summary>
    public string GroupId(int group) => "stage_" + group.ToString(GroupNumberFormat, CultureInfo.InvariantCulture);

    private string GroupNumberFormat => new('0', Math.Max(2, Groups.ToString(CultureInfo.InvariantCulture).Length));

    public string TaskId(int group, int task) => $"{GroupId(group)}_task_{task:000}";

    /// <summary>
    /// <see cref="Runs"/> daily scheduled runs of the current version, oldest first: every ninth one
    /// failed, the newest still running. Each gets a task instance per task, with a state mix a real
    /// DAG has: finished runs are mostly success, with failures, their upstream_failed downstream,
    /// skips and retried successes; the running run is done for its first tasks, running, queued
    /// and scheduled in the middle, and has not started the rest.
    /// </summary>
    public async Task SeedAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        // Half a million rows take longer than the default 30 s command timeout on a busy machine.
        await using var batch = db.CreateBatch();
        batch.Timeout = SeedTimeoutSeconds;
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
        analyze.CommandTimeout = SeedTimeoutSeconds;
        await analyze.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The ids of the newest <paramref name="count"/> runs, as the grid picks its window.</summary>
    public async Task<long[]> NewestRunIdsAsync(NpgsqlDataSource db, int count, CancellationToken ct)
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
    public async Task<List<(string State, long Count)>> StateMixAsync(NpgsqlDataSource db, CancellationToken ct)
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
