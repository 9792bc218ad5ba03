using Dashboard.Testing;
using System.Diagnostics;
using Dashboard.Core.Operations.Clear;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Dashboard.Bench.Stopwatches;

namespace Dashboard.Bench;

/// <summary>
/// Clearing a task and its downstream over a year of daily runs (about 10,000 task instances) end
/// to end through <see cref="ClearService"/>, against one raw UPDATE of the same rows in the same
/// run. Every measurement starts from the same freshly restored rows.
/// </summary>
internal static class ClearBenchmark
{
    private const int WarmUps = 5;

    public static async Task<int> RunAsync(RepeatsOptions options, CancellationToken ct)
    {
        Progress($"{Environment.ProcessorCount} CPUs, .NET {Environment.Version}; {ClearDataSet.Runs} runs × {ClearDataSet.Tasks} tasks, " +
                 $"median of {options.Repeats}");
        var otherLoad = await CpuUsage.OtherLoadAsync(Progress, ct);

        Progress("Starting a throw-away PostgreSQL cluster");
        await using var sandbox = await BenchSandbox.CreateAsync();
        ct.ThrowIfCancellationRequested();
        await File.WriteAllTextAsync(Path.Combine(sandbox.DagFolder, $"{ClearDataSet.DagId}.yaml"), ClearDataSet.Yaml(), ct);
        await using var services = sandbox.EngineServices();
        await using var db = NpgsqlDataSource.Create(sandbox.ConnectionString);

        var seeding = Stopwatch.StartNew();
        await BenchSandbox.LoadDagsAsync(services, ct);
        await ClearDataSet.SeedAsync(db, ct);
        var service = services.GetRequiredService<ClearService>();
        var latestRun = await ClearDataSet.LatestRunIdAsync(db, ct);
        var ids = await SelectionIdsAsync(service, latestRun, ct);
        var mix = await ClearDataSet.StateMixAsync(db, ids, ct);
        Progress($"Loaded {ClearDataSet.DagId} and seeded {ClearDataSet.Runs * ClearDataSet.Tasks:N0} task instances in {seeding.Elapsed.TotalSeconds:0.0} s; " +
                 $"the clear covers {ids.Length:N0}: " + string.Join(", ", mix.Select(m => $"{m.State} {m.Count:N0}")));

        await WarmUpAsync(service, db, latestRun, ids, ct);
        var profiled = await ProfileAsync(service, db, latestRun, ids.Length, ct);
        var times = await MeasureAsync(service, db, latestRun, ids, options.Repeats, ct);
        var passed = ClearReport.Write(new ClearResults(times, ids.Length, mix, profiled, otherLoad, options));
        return passed ? 0 : 1;
    }

    /// <summary>Compiles EF Core's, Npgsql's and the service's paths, and reads the task graph into its cache.</summary>
    private static async Task WarmUpAsync(ClearService service, NpgsqlDataSource db, string latestRun, long[] ids, CancellationToken ct)
    {
        for (var round = 0; round < WarmUps; round++)
        {
            await service.PreviewAsync(Request(latestRun), ct);
            await ExecuteAsync(service, latestRun, ids.Length, ct);
            await ClearDataSet.ResetAsync(db, ct);
            await RawUpdateAsync(db, ids, ct);
            await ClearDataSet.ResetAsync(db, ct);
        }
    }

    /// <summary>One more clear with its database commands counted, outside the measurements: counting costs a little time.</summary>
    private static async Task<ProfiledClear> ProfileAsync(ClearService service, NpgsqlDataSource db, string latestRun, int expected, CancellationToken ct)
    {
        using var profile = new DbCommandProfile();
        var ms = await TimeAsync(() => ExecuteAsync(service, latestRun, expected, ct));
        var statements = profile.Take();
        await ClearDataSet.ResetAsync(db, ct);
        return new ProfiledClear(ms, statements);
    }

    /// <summary>
    /// Each repeat: the preview, then the service and the raw UPDATE in alternating order, each on
    /// freshly restored rows, so a change in the machine's load hits both alike.
    /// </summary>
    private static async Task<ClearTimes> MeasureAsync(
        ClearService service, NpgsqlDataSource db, string latestRun, long[] ids, int repeats, CancellationToken ct)
    {
        var times = new ClearTimes([], [], []);
        for (var repeat = 1; repeat <= repeats; repeat++)
        {
            times.Preview.Add(await TimeAsync(() => service.PreviewAsync(Request(latestRun), ct)));
            var serviceFirst = repeat % 2 == 1;
            for (var turn = 0; turn < 2; turn++)
            {
                if (serviceFirst == (turn == 0))
                {
                    times.Service.Add(await TimeAsync(() => ExecuteAsync(service, latestRun, ids.Length, ct)));
                }
                else
                {
                    times.Raw.Add(await TimeAsync(() => RawUpdateAsync(db, ids, ct)));
                }

                await ClearDataSet.ResetAsync(db, ct);
            }

            Progress($"Repeat {repeat}: service {times.Service[^1]:0.0} ms, preview {times.Preview[^1]:0.0} ms, raw UPDATE {times.Raw[^1]:0.0} ms " +
                     $"({times.Service[^1] / times.Raw[^1]:0.00}×)");
        }

        return times;
    }

    /// <summary>"Clear this task, with downstream and past" on the newest run, with a new request id as a client sends against double submits.</summary>
    private static ClearRequest Request(string latestRun) =>
        new(ClearDataSet.DagId, [TaskTarget.Task(latestRun, ClearDataSet.PickedTask)],
            new ClearOptions(new Relatives(Downstream: true, Past: true)), Actors.Admin("bench"), RequestId: Guid.NewGuid());

    /// <summary>Without a confirmed preview; checks that every selected instance was cleared and every run re-queued.</summary>
    private static async Task<ClearResult> ExecuteAsync(ClearService service, string latestRun, int expected, CancellationToken ct)
    {
        var result = await service.ExecuteAsync(Request(latestRun), confirmed: null, ct);
        if (result != new ClearResult(expected, 0, ClearDataSet.Runs))
        {
            throw new InvalidOperationException($"The clear did {result}, not {expected} cleared in {ClearDataSet.Runs} re-queued runs.");
        }

        return result;
    }

    /// <summary>The floor: one UPDATE of the same rows by primary key, in its own transaction, the ids known beforehand.</summary>
    private static async Task<int> RawUpdateAsync(NpgsqlDataSource db, long[] ids, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using var update = new NpgsqlCommand(
            "UPDATE task_instance SET state = NULL, max_tries = try_number + 2 WHERE id = ANY(@ids)", connection, transaction);
        update.Parameters.Add(new NpgsqlParameter<long[]>("ids", ids));
        var updated = await update.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return updated == ids.Length ? updated : throw new InvalidOperationException($"The raw UPDATE changed {updated} of {ids.Length} rows.");
    }

    /// <summary>The preview's task instances, checked against what the data set says the clear must cover.</summary>
    private static async Task<long[]> SelectionIdsAsync(ClearService service, string latestRun, CancellationToken ct)
    {
        var preview = await service.PreviewAsync(Request(latestRun), ct);
        var tasks = preview.TaskInstances.Select(t => t.TaskId).ToHashSet();
        var runs = preview.TaskInstances.Select(t => t.DagRunId).Distinct().Count();
        if (preview.TaskInstances.Count != ClearDataSet.ClearedTaskInstances || !tasks.SetEquals(ClearDataSet.ClearedTasks) || runs != ClearDataSet.Runs)
        {
            throw new InvalidOperationException(
                $"The preview holds {preview.TaskInstances.Count} task instances of {tasks.Count} tasks in {runs} runs, " +
                $"not {ClearDataSet.ClearedTaskInstances} of {ClearDataSet.ClearedTasks.Count} in {ClearDataSet.Runs}.");
        }

        return [.. preview.TaskInstances.Select(t => t.Id)];
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}

/// <summary>One clear with its database commands counted: its milliseconds and, per statement, the count and the time until its results were read.</summary>
internal sealed record ProfiledClear(double Ms, List<(string Statement, int Count, TimeSpan Time)> Statements);

/// <summary>Milliseconds per repeat; the service and raw lists pair up by index.</summary>
internal sealed record ClearTimes(List<double> Service, List<double> Preview, List<double> Raw);

internal sealed record ClearResults(
    ClearTimes Times,
    int TaskInstances,
    List<(string State, long Count)> Mix,
    ProfiledClear Profiled,
    double? OtherLoad,
    RepeatsOptions Options);
