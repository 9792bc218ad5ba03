using Dashboard.Testing;
using System.Globalization;
using System.Text;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Backfill;
using Npgsql;

namespace Dashboard.Bench;

/// <summary>
/// The backfill benchmark's data: a 20-task daily DAG loaded by the real DAG-file processor, with
/// no run at all, and the ten years of daily intervals a backfill over it creates runs for.
/// </summary>
internal static class BackfillDataSet
{
    public const string DagId = "bench_backfill";
    public const int Tasks = 20;
    public const int Runs = 3_650;

    /// <summary>Every task sets this many retries: a created task instance starts with <c>max_tries</c> = retries, as the service creates it.</summary>
    public const int Retries = 1;

    /// <summary>The first logical date of the range; the DAG starts a year earlier, so the whole range lies after its start date.</summary>
    public static readonly DateTimeOffset From = new(2015, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The last logical date of the range, inclusive: 3,650 days after <see cref="From"/>, the last of them ended in 2024.</summary>
    public static readonly DateTimeOffset To = From.AddDays(Runs - 1);

    public static int TaskInstances => Runs * Tasks;

    /// <summary>A lead's "all missing runs, ten years, five at a time": every slot is created.</summary>
    public static BackfillRequest Request() => new(DagId, From, To, Actors.Admin("bench"), ReprocessBehavior.None, MaxActiveRuns: 5);

    /// <summary>
    /// <c>start</c> → 18 parallel <c>step_NN</c> → <c>end</c>, all empty tasks: the benchmark runs
    /// nothing, only the number of tasks matters for what a create writes.
    /// </summary>
    public static string Yaml()
    {
        var steps = Enumerable.Range(1, Tasks - 2).Select(i => $"step_{i:00}").ToList();
        var yaml = new StringBuilder($$"""
            dag_id: {{DagId}}
            description: {{Tasks}} tasks, backfilled over ten years of days for the backfill benchmark
            schedule: "@daily"
            start_date: {{From.AddYears(-1):yyyy-MM-dd}}
            catchup: false
            default_args:
              retries: {{Retries}}
            tasks:
              - {id: start, kind: empty}

            """);
        foreach (var step in steps)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{id: {step}, kind: empty, upstream: start}}\n");
        }

        yaml.Append(CultureInfo.InvariantCulture, $"  - {{id: end, kind: empty, upstream: [{string.Join(", ", steps)}]}}\n");
        return yaml.ToString();
    }

    /// <summary>
    /// Removes what a create or the baseline wrote (the DAG's backfills, runs, task instances and
    /// audit rows), then VACUUM ANALYZE and a checkpoint, so every measurement meets the same empty
    /// tables, statistics and buffers rather than the dead rows of the one before.
    /// </summary>
    public static async Task ResetAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using (var batch = db.CreateBatch())
        {
            // Runs first: deleting the backfill first would set backfill_id NULL on every run, one update each.
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"DELETE FROM dag_run WHERE dag_id = '{DagId}'"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"DELETE FROM backfill WHERE dag_id = '{DagId}'"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"DELETE FROM audit_log WHERE dag_id = '{DagId}'"));
            await batch.ExecuteNonQueryAsync(ct);
        }

        // VACUUM cannot run in a transaction, so not in a batch.
        foreach (var sql in (string[])["VACUUM ANALYZE dag_run, task_instance, backfill, backfill_dag_run, audit_log", "CHECKPOINT"])
        {
            await using var command = db.CreateCommand(sql);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Runs, task instances and backfill slots the DAG holds now, to check what a measurement wrote.</summary>
    public static async Task<(long Runs, long TaskInstances, long Slots)> CountAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            SELECT (SELECT count(*) FROM dag_run WHERE dag_id = '{DagId}'),
                   (SELECT count(*) FROM task_instance WHERE dag_id = '{DagId}'),
                   (SELECT count(*) FROM backfill_dag_run s JOIN backfill b ON b.id = s.backfill_id WHERE b.dag_id = '{DagId}')
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>The DAG's current version: the baseline writes the same version onto its rows as the service does.</summary>
    public static async Task<int> VersionIdAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"SELECT current_version_id FROM dag WHERE dag_id = '{DagId}'");
        return (int?)await command.ExecuteScalarAsync(ct) ?? throw new InvalidOperationException("The benchmark DAG has no version.");
    }
}
