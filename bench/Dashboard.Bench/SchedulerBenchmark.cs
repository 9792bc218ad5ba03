using Dashboard.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Text;
using Dashboard.Core;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Pause;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Scheduler;
using Dashboard.Scheduler.DagFiles;
using Dashboard.Scheduler.Execution.Containment;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using static Dashboard.Bench.Statistics;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Bench;

/// <summary>
/// Task-instance throughput of the real engine: the hosted scheduler, executor and DAG-folder
/// services, started as the web app starts them, run N runs of a 40-task fan-out/fan-in DAG of
/// <c>true</c> commands; the clock runs from the runs' creation until the last of them is success.
/// The same number of bare processes, and of bare state-change UPDATEs, give the baselines.
/// </summary>
internal static class SchedulerBenchmark
{
    private const string DagId = "bench_fan_out";
    private const int ParallelTasks = 38;
    public const int TasksPerRun = ParallelTasks + 2;
    public const int Parallelism = 8;
    private static readonly int[] RunsInFlight = [1, 2, 4];
    private static readonly TimeSpan ScenarioTimeout = TimeSpan.FromMinutes(5);

    /// <summary>A warm-up round (all scenarios once) that compiles no more methods than this ends the warm-up.</summary>
    private const int WarmUpJitQuiet = 100;
    private static readonly TimeSpan WarmUpLimit = TimeSpan.FromMinutes(2);

    public static async Task<int> RunAsync(SchedulerBenchmarkOptions options, CancellationToken ct)
    {
        Progress($"{Environment.ProcessorCount} CPUs, .NET {Environment.Version}, parallelism {Parallelism}, {TasksPerRun} tasks per run, median of {options.Repeats}");
        var otherLoad = await CpuUsage.OtherLoadAsync(Progress, ct);

        Progress("Starting a throw-away PostgreSQL cluster");
        await using var sandbox = await BenchSandbox.CreateAsync();
        ct.ThrowIfCancellationRequested();
        await File.WriteAllTextAsync(Path.Combine(sandbox.DagFolder, $"{DagId}.yaml"), DagYaml(), ct);

        var results = new List<EngineResult>();
        var warmUp = TimeSpan.Zero;
        await sandbox.Cluster.EnsureDatabaseAsync("baseline", ct);
        await using var scratch = NpgsqlDataSource.Create(sandbox.Cluster.ConnectionStringFor("baseline"));
        var host = BuildHost(sandbox);
        try
        {
            await PrepareDagAsync(host.Services, ct);
            await host.StartAsync(ct);
            using var profile = options.Profile ? new DbCommandProfile() : null;

            Progress("Baselines: warm-up");
            await MeasureBaselinesAsync(sandbox, scratch, host.Services, TasksPerRun, ct);
            warmUp = await WarmUpAsync(host.Services, ct);
            profile?.Take();

            foreach (var runs in RunsInFlight)
            {
                // Baselines and engine take turns, repeat by repeat, so a change in the machine's
                // other load hits both alike. The idle engine meanwhile polls once a second: noise.
                var measurements = new List<RunMeasurement>();
                var baselines = new List<BaselineResult>();
                var statements = new List<(string Statement, int Count, TimeSpan Time)>();
                for (var repeat = 1; repeat <= options.Repeats; repeat++)
                {
                    baselines.Add(await MeasureBaselinesAsync(sandbox, scratch, host.Services, runs * TasksPerRun, ct));
                    profile?.Take();
                    var jitted = JitInfo.GetCompiledMethodCount();
                    measurements.Add(await MeasureRunsAsync(host.Services, runs, $"{runs}_runs_{repeat}", ct));
                    statements.AddRange(profile?.Take() ?? []);
                    Progress($"{runs} run(s) in flight, repeat {repeat}: engine {measurements[^1].Seconds:0.000} s " +
                             $"({JitInfo.GetCompiledMethodCount() - jitted} methods jitted meanwhile), " +
                             $"baselines {baselines[^1].BashTrue:0}, {baselines[^1].TaskProcess:0} and {baselines[^1].Sql:0} per second");
                }

                var median = measurements.OrderBy(m => m.Seconds).ElementAt(measurements.Count / 2);
                results.Add(new EngineResult(
                    runs,
                    Median(measurements.Select(m => m.Seconds).ToList()),
                    median.CpuBusy,
                    new BaselineResult(
                        Median(baselines.Select(b => b.BashTrue).ToList()),
                        Median(baselines.Select(b => b.TaskProcess).ToList()),
                        Median(baselines.Select(b => b.Sql).ToList())),
                    statements.GroupBy(st => st.Statement)
                        .Select(g => (g.Key, g.Sum(st => st.Count), TimeSpan.FromTicks(g.Sum(st => st.Time.Ticks))))
                        .OrderByDescending(st => st.Item2).ToList(),
                    options.Profile ? await LifecycleAsync(host.Services, measurements.SelectMany(m => m.RunIds).ToArray(), ct) : null));
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            await ((IAsyncDisposable)host).DisposeAsync();
        }

        var passed = SchedulerReport.Write(results, otherLoad, warmUp, options);
        return passed ? 0 : 1;
    }

    /// <summary>
    /// Rounds of every scenario until the JIT is quiet. Tiered compilation keeps recompiling the hot
    /// paths of EF Core and Npgsql for about the first few thousand task instances, and on two CPUs
    /// that background work takes a tenth or more of the machine; a scheduler runs for days, so the
    /// benchmark measures the steady state. Returns the warm-up time.
    /// </summary>
    private static async Task<TimeSpan> WarmUpAsync(IServiceProvider services, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        for (var round = 1; ; round++)
        {
            var jitted = JitInfo.GetCompiledMethodCount();
            foreach (var runs in RunsInFlight)
            {
                await MeasureRunsAsync(services, runs, $"warm_up_{round}_{runs}", ct);
            }

            jitted = JitInfo.GetCompiledMethodCount() - jitted;
            Progress($"Engine warm-up, round {round}, {jitted} methods jitted");
            if (jitted <= WarmUpJitQuiet || stopwatch.Elapsed > WarmUpLimit)
            {
                return stopwatch.Elapsed;
            }
        }
    }

    /// <summary>start → 38 tasks in parallel → end, every task a bash <c>true</c>; no schedule, so only the benchmark's runs exist.</summary>
    private static string DagYaml()
    {
        var yaml = new StringBuilder("""
            # Written by the scheduler benchmark: trivial tasks, so the engine's own cost is what is measured.
            dag_id: bench_fan_out
            description: start, 38 parallel tasks, end; every command is `true`
            max_active_runs: 16
            max_active_tasks: 64
            tasks:
              - {id: start, command: "true"}

            """);
        var middle = Enumerable.Range(1, ParallelTasks).Select(i => $"work_{i:00}").ToList();
        middle.ForEach(id => yaml.Append(CultureInfo.InvariantCulture, $"  - {{id: {id}, upstream: start, command: \"true\"}}\n"));
        yaml.Append(CultureInfo.InvariantCulture, $"  - {{id: end, upstream: [{string.Join(", ", middle)}], command: \"true\"}}\n");
        return yaml.ToString();
    }

    /// <summary>The engine as the web app hosts it, minus the web: only the parallelism and the folders are set.</summary>
    private static IHost BuildHost(BenchSandbox sandbox)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dags:Folder"] = sandbox.DagFolder,
            ["Executor:DataDirectory"] = sandbox.DataDirectory,
            ["Executor:Parallelism"] = Parallelism.ToString(CultureInfo.InvariantCulture),
            ["Executor:Enabled"] = "true",
            ["Scheduler:Enabled"] = "true",
        });
        builder.Services.AddLogging(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        builder.Services.AddDashboardCore(sandbox.ConnectionString);
        builder.Services.AddDashboardScheduler(builder.Configuration);
        return builder.Build();
    }

    private static async Task PrepareDagAsync(IServiceProvider services, CancellationToken ct)
    {
        var folder = await services.GetRequiredService<DagFileProcessor>().ProcessFolderAsync(ct);
        await using var db = await services.GetRequiredService<IDbContextFactory<DashboardDbContext>>().CreateDbContextAsync(ct);
        var errors = await db.ImportErrors.Select(e => $"{e.FileLocation}:{e.Line}: {e.Message}").ToListAsync(ct);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"The benchmark DAG did not load: {string.Join("; ", errors)} ({folder})");
        }

        await services.GetRequiredService<DagPauseService>().SetPausedAsync(DagId, paused: false, actor: Actors.Admin("bench"), ct);
    }

    /// <summary>
    /// Creates <paramref name="runs"/> manual runs at once and waits until all are success. Returns the
    /// seconds from creation to the last run's end_date, which the scheduler stamps with the same clock,
    /// so the polling interval does not blur the result.
    /// </summary>
    private static async Task<RunMeasurement> MeasureRunsAsync(IServiceProvider services, int runs, string label, CancellationToken ct)
    {
        DbCommandProfile.IgnoreThisFlow();
        var cpuBefore = CpuUsage.Read();
        var clock = services.GetRequiredService<TimeProvider>();
        await using var db = await services.GetRequiredService<IDbContextFactory<DashboardDbContext>>().CreateDbContextAsync(ct);
        var versionId = await db.Dags.Where(d => d.DagId == DagId).Select(d => d.CurrentVersionId).SingleAsync(ct)
                        ?? throw new InvalidOperationException("The benchmark DAG has no version.");

        var createdAt = clock.GetUtcNow();
        var newRuns = Enumerable.Range(1, runs)
            .Select(i => new NewDagRun($"manual__bench_{label}_{i}", DagRunType.Manual, null, null, createdAt, DagRunTriggeredBy.Cli))
            .ToList();
        var ids = (await DagRunCreation.CreateAsync(db, DagId, versionId, newRuns, createdAt, ct)).Values.ToArray();

        // What a trigger in the app does, so the runs are picked up now, not at the next loop interval.
        services.GetRequiredService<EngineSignals>().Scheduler.Pulse();

        var waited = Stopwatch.StartNew();
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
            var (succeeded, failed, lastEnd) = (await db.QueryAsync(
                """
                SELECT count(*) FILTER (WHERE state = 'success'), count(*) FILTER (WHERE state = 'failed'), max(end_date)
                FROM dag_run WHERE id = ANY(@ids)
                """,
                r => (r.GetInt64(0), r.GetInt64(1), r.NullableField<DateTimeOffset?>(2)), ct, P("ids", ids)))[0];
            if (failed > 0)
            {
                throw new InvalidOperationException($"{failed} benchmark run(s) failed; see the task logs.");
            }

            if (succeeded == runs)
            {
                var taskInstances = await db.TaskInstances.CountAsync(t => ids.Contains(t.DagRunId) && t.State == TaskInstanceState.Success, ct);
                if (taskInstances != runs * TasksPerRun)
                {
                    throw new InvalidOperationException($"The runs succeeded with {taskInstances} of {runs * TasksPerRun} task instances successful.");
                }

                return new RunMeasurement((lastEnd!.Value - createdAt).TotalSeconds, ids, CpuUsage.Between(cpuBefore, CpuUsage.Read()));
            }

            if (waited.Elapsed > ScenarioTimeout)
            {
                throw new TimeoutException($"{runs} run(s) did not finish within {ScenarioTimeout.TotalMinutes} minutes.");
            }
        }
    }

    /// <summary>
    /// Where a task instance's time goes, in mean milliseconds, from the timestamps the engine writes:
    /// its own steps, and the three hand-offs on a run's critical path that only the scheduler can make.
    /// </summary>
    private static async Task<List<(string Step, double Ms)>> LifecycleAsync(IServiceProvider services, long[] runIds, CancellationToken ct)
    {
        DbCommandProfile.IgnoreThisFlow();
        await using var db = await services.GetRequiredService<IDbContextFactory<DashboardDbContext>>().CreateDbContextAsync(ct);
        string[] steps =
        [
            "scheduled → claimed (queued)", "claimed → running", "running → finished (process + log flush)",
            "run created → start scheduled", "last work_* finished → end scheduled", "end finished → run success",
        ];
        var values = (await db.QueryAsync("""
            WITH ti AS (SELECT * FROM task_instance WHERE dag_run_id = ANY(@runs)),
            per_run AS (
                SELECT r.id,
                       s.scheduled_at - r.queued_at AS to_start,
                       e.scheduled_at - (SELECT max(w.end_date) FROM ti w WHERE w.dag_run_id = r.id AND w.task_id LIKE 'work\_%') AS to_end,
                       r.end_date - e.end_date AS to_success
                FROM dag_run r
                JOIN ti s ON s.dag_run_id = r.id AND s.task_id = 'start'
                JOIN ti e ON e.dag_run_id = r.id AND e.task_id = 'end'
                WHERE r.id = ANY(@runs)
            )
            SELECT (SELECT extract(epoch FROM avg(queued_at - scheduled_at)) * 1000 FROM ti),
                   (SELECT extract(epoch FROM avg(start_date - queued_at)) * 1000 FROM ti),
                   (SELECT extract(epoch FROM avg(end_date - start_date)) * 1000 FROM ti),
                   extract(epoch FROM avg(to_start)) * 1000, extract(epoch FROM avg(to_end)) * 1000, extract(epoch FROM avg(to_success)) * 1000
            FROM per_run
            """, r => Enumerable.Range(0, 6).Select(i => r.IsDBNull(i) ? double.NaN : (double)r.GetDecimal(i)).ToArray(), ct, P("runs", runIds)))[0];
        return steps.Zip(values).ToList();
    }

    private static async Task<BaselineResult> MeasureBaselinesAsync(
        BenchSandbox sandbox, NpgsqlDataSource scratch, IServiceProvider services, int count, CancellationToken ct) =>
        new(
            await Baselines.BashTrueAsync(count, Parallelism, sandbox.DagFolder, ct),
            await Baselines.TaskProcessAsync(count, Parallelism, sandbox.DagFolder, services.GetRequiredService<TaskContainment>(), ct),
            await Baselines.SqlTransitionsAsync(scratch, count, Parallelism, ct));

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    private sealed record RunMeasurement(double Seconds, long[] RunIds, double? CpuBusy);
}
