using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Backfill;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Dashboard.Bench.Stopwatches;

namespace Dashboard.Bench;

/// <summary>
/// Creating a ten-year daily backfill (3,650 runs, 73,000 task instances) end to end through
/// <see cref="BackfillService"/>, against a raw bulk insert of the same runs and task instances in
/// the same run. Every measurement starts from the same empty, vacuumed tables.
/// </summary>
internal static class BackfillBenchmark
{
    private const int WarmUps = 3;

    public static async Task<int> RunAsync(RepeatsOptions options, CancellationToken ct)
    {
        Progress($"{Environment.ProcessorCount} CPUs, .NET {Environment.Version}; {BackfillDataSet.Runs:N0} daily runs × {BackfillDataSet.Tasks} tasks, " +
                 $"median of {options.Repeats}");
        var otherLoad = await CpuUsage.OtherLoadAsync(Progress, ct);

        Progress("Starting a throw-away PostgreSQL cluster");
        await using var sandbox = await BenchSandbox.CreateAsync();
        ct.ThrowIfCancellationRequested();
        await File.WriteAllTextAsync(Path.Combine(sandbox.DagFolder, $"{BackfillDataSet.DagId}.yaml"), BackfillDataSet.Yaml(), ct);
        await using var services = sandbox.EngineServices(new Dictionary<string, string?> { ["Backfill:MaxRuns"] = "5000" });
        await using var db = NpgsqlDataSource.Create(sandbox.ConnectionString);

        await BenchSandbox.LoadDagsAsync(services, ct);
        var service = services.GetRequiredService<BackfillService>();
        var baseline = new RawBulkInsert(db, await BackfillDataSet.VersionIdAsync(db, ct));
        await CheckPreviewAsync(service, ct);
        Progress($"Loaded {BackfillDataSet.DagId}; a backfill from {BackfillDataSet.From:yyyy-MM-dd} to {BackfillDataSet.To:yyyy-MM-dd} " +
                 $"creates {BackfillDataSet.Runs:N0} runs and {BackfillDataSet.TaskInstances:N0} task instances");

        await WarmUpAsync(service, baseline, db, ct);
        var profiled = await ProfileAsync(service, db, ct);
        var times = await MeasureAsync(service, baseline, db, options.Repeats, ct);
        var passed = BackfillReport.Write(new BackfillResults(times, profiled, otherLoad, options));
        return passed ? 0 : 1;
    }

    /// <summary>Compiles EF Core's, Npgsql's and the service's paths, and warms the tables' buffers.</summary>
    private static async Task WarmUpAsync(BackfillService service, RawBulkInsert baseline, NpgsqlDataSource db, CancellationToken ct)
    {
        for (var round = 0; round < WarmUps; round++)
        {
            await service.PreviewAsync(BackfillDataSet.Request(), ct);
            await CreateAsync(service, db, ct);
            await BackfillDataSet.ResetAsync(db, ct);
            await baseline.InsertAsync(ct);
            await BackfillDataSet.ResetAsync(db, ct);
        }
    }

    /// <summary>One more create with its database commands counted, outside the measurements: counting costs a little time.</summary>
    private static async Task<ProfiledBackfill> ProfileAsync(BackfillService service, NpgsqlDataSource db, CancellationToken ct)
    {
        using var profile = new DbCommandProfile();
        var ms = await TimeAsync(() => CreateAsync(service, db, ct, check: false));
        var statements = profile.Take();
        await CheckWrittenAsync(db, ct);
        await BackfillDataSet.ResetAsync(db, ct);
        return new ProfiledBackfill(ms, statements);
    }

    /// <summary>
    /// Each repeat: the preview, then the service and the raw insert in alternating order, each on
    /// freshly emptied tables, so a change in the machine's load hits both alike.
    /// </summary>
    private static async Task<BackfillTimes> MeasureAsync(
        BackfillService service, RawBulkInsert baseline, NpgsqlDataSource db, int repeats, CancellationToken ct)
    {
        var times = new BackfillTimes([], [], []);
        for (var repeat = 1; repeat <= repeats; repeat++)
        {
            times.Preview.Add(await TimeAsync(() => service.PreviewAsync(BackfillDataSet.Request(), ct)));
            var serviceFirst = repeat % 2 == 1;
            for (var turn = 0; turn < 2; turn++)
            {
                if (serviceFirst == (turn == 0))
                {
                    times.Service.Add(await TimeAsync(() => CreateAsync(service, db, ct, check: false)));
                }
                else
                {
                    times.Raw.Add(await TimeAsync(() => baseline.InsertAsync(ct)));
                }

                await CheckWrittenAsync(db, ct, slots: serviceFirst == (turn == 0));
                await BackfillDataSet.ResetAsync(db, ct);
            }

            Progress($"Repeat {repeat}: create {times.Service[^1]:0.0} ms, preview {times.Preview[^1]:0.0} ms, raw insert {times.Raw[^1]:0.0} ms " +
                     $"({times.Service[^1] / times.Raw[^1]:0.00}×)");
        }

        return times;
    }

    /// <summary>The create as a lead starts it; checks that every slot became a new run.</summary>
    private static async Task<BackfillCreated> CreateAsync(BackfillService service, NpgsqlDataSource db, CancellationToken ct, bool check = true)
    {
        var created = await service.CreateAsync(BackfillDataSet.Request(), ct);
        if ((created.Created, created.Rerun, created.Skipped) != (BackfillDataSet.Runs, 0, 0))
        {
            throw new InvalidOperationException($"The create did {created}, not {BackfillDataSet.Runs} new runs.");
        }

        if (check)
        {
            await CheckWrittenAsync(db, ct);
        }

        return created;
    }

    private static async Task CheckWrittenAsync(NpgsqlDataSource db, CancellationToken ct, bool slots = true)
    {
        var written = await BackfillDataSet.CountAsync(db, ct);
        var expected = (BackfillDataSet.Runs, BackfillDataSet.TaskInstances, slots ? BackfillDataSet.Runs : 0);
        if (written != expected)
        {
            throw new InvalidOperationException($"The DAG holds {written} (runs, task instances, slots), not {expected}.");
        }
    }

    /// <summary>The preview must plan what the create will do: every slot a new run, no problem.</summary>
    private static async Task CheckPreviewAsync(BackfillService service, CancellationToken ct)
    {
        var plan = await service.PreviewAsync(BackfillDataSet.Request(), ct);
        if (plan.Blocker is { } blocker || plan.ToCreate != BackfillDataSet.Runs)
        {
            throw new InvalidOperationException($"The preview plans {plan.ToCreate} new runs, not {BackfillDataSet.Runs}: {plan.Blocker}");
        }
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    /// <summary>
    /// The floor: the same 3,650 runs (queued, typed and triggered as backfill runs, the run ids and
    /// intervals known beforehand) in one INSERT from arrays, and their 73,000 task instances in one
    /// INSERT … SELECT, in one transaction timed from opening a pooled connection to the commit.
    /// The runs carry no backfill id: there is no backfill row, and no slot rows.
    /// </summary>
    private sealed class RawBulkInsert(NpgsqlDataSource db, int versionId)
    {
        private readonly DateTimeOffset[] _logicalDates = [.. Enumerable.Range(0, BackfillDataSet.Runs).Select(i => BackfillDataSet.From.AddDays(i))];
        private readonly string[] _runIds = [.. Enumerable.Range(0, BackfillDataSet.Runs)
            .Select(i => NewDagRun.RunIdFor(DagRunType.Backfill, BackfillDataSet.From.AddDays(i)))];

        public async Task<int> InsertAsync(CancellationToken ct)
        {
            var now = DateTimeOffset.UtcNow;
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var runs = new NpgsqlCommand("""
                INSERT INTO dag_run (dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end, run_after,
                    state, queued_at, clear_number, conf, triggered_by, triggering_user_name, dag_version_id, updated_at)
                SELECT @dag, r.run_id, 'backfill', r.day, r.day, r.day + interval '1 day', r.day + interval '1 day',
                    'queued', @now, 0, '{}'::jsonb, 'backfill', 'bench', @version, @now
                FROM unnest(@run_ids, @days) AS r(run_id, day)
                """, connection, transaction);
            runs.Parameters.Add(new NpgsqlParameter<string>("dag", BackfillDataSet.DagId));
            runs.Parameters.Add(new NpgsqlParameter<int>("version", versionId));
            runs.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
            runs.Parameters.Add(new NpgsqlParameter<string[]>("run_ids", _runIds));
            runs.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("days", _logicalDates));
            var insertedRuns = await runs.ExecuteNonQueryAsync(ct);

            await using var taskInstances = new NpgsqlCommand("""
                INSERT INTO task_instance (dag_run_id, dag_id, task_id, try_number, max_tries, updated_at)
                SELECT r.id, r.dag_id, t.task_id, 0, t.retries, @now
                FROM dag_run r JOIN dag_task t ON t.dag_version_id = r.dag_version_id
                WHERE r.dag_id = @dag
                """, connection, transaction);
            taskInstances.Parameters.Add(new NpgsqlParameter<string>("dag", BackfillDataSet.DagId));
            taskInstances.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("now", now));
            var insertedTaskInstances = await taskInstances.ExecuteNonQueryAsync(ct);
            await transaction.CommitAsync(ct);
            return (insertedRuns, insertedTaskInstances) == (BackfillDataSet.Runs, BackfillDataSet.TaskInstances)
                ? insertedRuns
                : throw new InvalidOperationException($"The raw insert wrote {insertedRuns} runs and {insertedTaskInstances} task instances.");
        }
    }
}

/// <summary>One create with its database commands counted: its milliseconds and, per statement, the count and the time until its results were read.</summary>
internal sealed record ProfiledBackfill(double Ms, List<(string Statement, int Count, TimeSpan Time)> Statements);

/// <summary>Milliseconds per repeat; the service and raw lists pair up by index.</summary>
internal sealed record BackfillTimes(List<double> Service, List<double> Preview, List<double> Raw);

internal sealed record BackfillResults(BackfillTimes Times, ProfiledBackfill Profiled, double? OtherLoad, RepeatsOptions Options);
