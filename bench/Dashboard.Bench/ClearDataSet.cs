using System.Globalization;
using System.Text;
using Npgsql;

namespace Dashboard.Bench;

/// <summary>
/// The clear benchmark's data: a 40-task DAG loaded by the real DAG-file processor, a year of
/// finished daily runs with a finished task instance for every task, and a copy of those rows in a
/// side schema, so every measurement can start from exactly the same rows.
/// </summary>
internal static class ClearDataSet
{
    public const string DagId = "bench_clear";
    public const int Runs = 365;

    /// <summary>The task the benchmark clears, with everything downstream of it.</summary>
    public const string PickedTask = "extract";

    /// <summary>Every task sets this many retries, so a clear resets <c>max_tries</c> to <c>try_number + Retries</c>.</summary>
    public const int Retries = 2;

    private const int Branches = 9;
    private const int ValidatedBranches = 8;
    private const int Reports = 10;

    /// <summary>
    /// The picked task and its transitive downstream: <see cref="Branches"/> transform → load chains,
    /// all but one load validated, and one publish task after the validations and the last load.
    /// </summary>
    public static IReadOnlyList<string> ClearedTasks { get; } =
    [
        PickedTask,
        .. Numbered("transform", Branches),
        .. Numbered("load", Branches),
        .. Numbered("validate", ValidatedBranches),
        "publish",
    ];

    /// <summary>
    /// Tasks the clear must leave alone: <c>start</c> upstream of the picked task, its siblings, and
    /// <c>reference_data</c>, which is upstream of one load and so shares a descendant with the picked
    /// task without being downstream of it.
    /// </summary>
    public static IReadOnlyList<string> OtherTasks { get; } = ["start", "reference_data", .. Numbered("report", Reports)];

    public static int Tasks => ClearedTasks.Count + OtherTasks.Count;

    public static int ClearedTaskInstances => Runs * ClearedTasks.Count;

    /// <summary>Every task is an empty task: the benchmark runs nothing, so only the shape of the graph matters.</summary>
    public static string Yaml()
    {
        var yaml = new StringBuilder($$"""
            dag_id: {{DagId}}
            description: {{Tasks}} tasks; {{PickedTask}} and its downstream are cleared over a year of daily runs, for the clear benchmark
            schedule: "@daily"
            start_date: 2025-01-01
            catchup: false
            default_args:
              retries: {{Retries}}
            tasks:
              - {id: start, kind: empty}
              - {id: reference_data, kind: empty, upstream: start}
              - {id: {{PickedTask}}, kind: empty, upstream: start}

            """);
        for (var branch = 1; branch <= Branches; branch++)
        {
            var referenced = branch == 5 ? ", reference_data" : "";
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{id: {Name("transform", branch)}, kind: empty, upstream: {PickedTask}}}\n");
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{id: {Name("load", branch)}, kind: empty, upstream: [{Name("transform", branch)}{referenced}]}}\n");
        }

        for (var branch = 1; branch <= ValidatedBranches; branch++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{id: {Name("validate", branch)}, kind: empty, upstream: {Name("load", branch)}}}\n");
        }

        var publishAfter = Numbered("validate", ValidatedBranches).Append(Name("load", Branches));
        yaml.Append(CultureInfo.InvariantCulture, $"  - {{id: publish, kind: empty, upstream: [{string.Join(", ", publishAfter)}]}}\n");
        foreach (var report in Numbered("report", Reports))
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{id: {report}, kind: empty, upstream: start}}\n");
        }

        return yaml.ToString();
    }

    /// <summary>
    /// <see cref="Runs"/> daily scheduled runs of the current version, every ninth failed, the rest
    /// success, and a finished task instance per run and task: success, failed in the failed runs,
    /// and about one in 25 on its second try. Then the copy that <see cref="ResetAsync"/> restores.
    /// </summary>
    public static async Task SeedAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            INSERT INTO dag_run (dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end, run_after, state,
                                 queued_at, start_date, end_date, clear_number, conf, triggered_by, dag_version_id, updated_at)
            SELECT d.dag_id, 'scheduled__' || to_char(day AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00', 'scheduled',
                   day, day, day + interval '1 day', day + interval '1 day',
                   CASE WHEN i % 9 = 0 THEN 'failed' ELSE 'success' END,
                   day + interval '1 day', day + interval '1 day 1 minute', day + interval '1 day 21 minutes',
                   0, jsonb_build_object(), 'timetable', d.current_version_id, day + interval '1 day 21 minutes'
            FROM dag d, generate_series(1, {Runs}) i, LATERAL (SELECT timestamptz '2025-01-01 00:00:00+00' + (i - 1) * interval '1 day' AS day) x
            WHERE d.dag_id = '{DagId}'
            """));

        // p is a stable pseudo-random 0..999 per (run, task), so the mix is the same on every machine.
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            INSERT INTO task_instance (dag_run_id, dag_id, task_id, state, try_number, max_tries, start_date, end_date, duration,
                                       hostname, pid, queued_at, scheduled_at, executor_id, last_heartbeat_at, updated_at)
            SELECT r.id, r.dag_id, t.task_id,
                   CASE WHEN r.state = 'failed' AND h.p < 60 THEN 'failed' ELSE 'success' END,
                   h.tries, t.retries,
                   h.started, h.started + (5 + h.p % 90) * interval '1 second', 5 + h.p % 90,
                   'bench-worker', 10000 + h.p, h.started - interval '2 seconds', h.started - interval '3 seconds',
                   'bench-executor', h.started + (5 + h.p % 90) * interval '1 second', h.started + (5 + h.p % 90) * interval '1 second'
            FROM dag_run r
            JOIN dag_task t ON t.dag_version_id = r.dag_version_id
            CROSS JOIN LATERAL (SELECT (r.id * 7919 + t.ordinal * 104729) % 1000 AS p) ph
            CROSS JOIN LATERAL (
                SELECT ph.p, CASE WHEN ph.p % 25 = 0 THEN 2 ELSE 1 END AS tries, r.start_date + t.ordinal * interval '20 seconds' AS started
            ) h
            WHERE r.dag_id = '{DagId}'
            """));

        batch.BatchCommands.Add(new NpgsqlBatchCommand("CREATE SCHEMA bench"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"CREATE TABLE bench.dag_run_seed AS SELECT * FROM dag_run WHERE dag_id = '{DagId}'"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"CREATE TABLE bench.task_instance_seed AS SELECT * FROM task_instance WHERE dag_id = '{DagId}'"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("ALTER TABLE bench.dag_run_seed ADD PRIMARY KEY (id)"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("ALTER TABLE bench.task_instance_seed ADD PRIMARY KEY (id)"));
        await batch.ExecuteNonQueryAsync(ct);
        await ResetAsync(db, ct);
    }

    /// <summary>
    /// Puts back what a clear or the baseline changed: the task-instance and run rows as seeded, no
    /// history and no clear audit rows. Then VACUUM ANALYZE and a checkpoint, so each measurement
    /// meets the same tables, statistics and buffers, not the dead rows of the previous one.
    /// </summary>
    public static async Task ResetAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using (var batch = db.CreateBatch())
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                UPDATE task_instance ti
                SET state = s.state, try_number = s.try_number, max_tries = s.max_tries, start_date = s.start_date,
                    end_date = s.end_date, duration = s.duration, hostname = s.hostname, pid = s.pid, queued_at = s.queued_at,
                    scheduled_at = s.scheduled_at, executor_id = s.executor_id, last_heartbeat_at = s.last_heartbeat_at,
                    retry_at = s.retry_at, note = s.note, updated_at = s.updated_at
                FROM bench.task_instance_seed s
                WHERE ti.id = s.id AND (ti.state, ti.try_number, ti.max_tries, ti.updated_at) IS DISTINCT FROM (s.state, s.try_number, s.max_tries, s.updated_at)
                """));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                UPDATE dag_run r
                SET state = s.state, clear_number = s.clear_number, queued_at = s.queued_at, start_date = s.start_date,
                    end_date = s.end_date, last_scheduling_decision = s.last_scheduling_decision, updated_at = s.updated_at
                FROM bench.dag_run_seed s
                WHERE r.id = s.id AND (r.state, r.clear_number, r.updated_at) IS DISTINCT FROM (s.state, s.clear_number, s.updated_at)
                """));
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"DELETE FROM task_instance_history WHERE dag_id = '{DagId}'"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"DELETE FROM audit_log WHERE dag_id = '{DagId}' AND action = 'task_instance.clear'"));
            await batch.ExecuteNonQueryAsync(ct);
        }

        // VACUUM cannot run in a transaction, so not in a batch.
        foreach (var sql in (string[])["VACUUM ANALYZE task_instance, dag_run, task_instance_history, audit_log", "CHECKPOINT"])
        {
            await using var command = db.CreateCommand(sql);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>The newest run, whose task the benchmark picks: Past then reaches the whole year.</summary>
    public static async Task<string> LatestRunIdAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"SELECT run_id FROM dag_run WHERE dag_id = '{DagId}' ORDER BY logical_date DESC LIMIT 1");
        return (string?)await command.ExecuteScalarAsync(ct) ?? throw new InvalidOperationException("The benchmark DAG has no run.");
    }

    /// <summary>State counts of the task instances the clear covers, for the report.</summary>
    public static async Task<List<(string State, long Count)>> StateMixAsync(NpgsqlDataSource db, long[] ids, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "SELECT coalesce(state, 'none') || ', try ' || try_number, count(*) FROM task_instance WHERE id = ANY(@ids) GROUP BY 1 ORDER BY 2 DESC");
        command.Parameters.Add(new NpgsqlParameter<long[]>("ids", ids));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var mix = new List<(string, long)>();
        while (await reader.ReadAsync(ct))
        {
            mix.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return mix;
    }

    private static IEnumerable<string> Numbered(string prefix, int count) => Enumerable.Range(1, count).Select(i => Name(prefix, i));

    private static string Name(string prefix, int number) => $"{prefix}_{number:00}";
}
