
using static Dashboard.Bench.ReportTable;

namespace Dashboard.Bench;

/// <summary>The scheduler benchmark's results as Markdown tables, with the verdict against the target.</summary>
internal static class SchedulerReport
{
    public const double TargetPerSecond = 100;

    /// <summary>Prints the tables (Markdown, so they can go into bench/README.md as they are); true when every scenario met the target.</summary>
    public static bool Write(List<EngineResult> results, double? otherLoad, TimeSpan warmUp, SchedulerBenchmarkOptions options)
    {
        var passed = true;
        var main = new List<string[]>();
        foreach (var result in results)
        {
            var taskInstances = result.Runs * SchedulerBenchmark.TasksPerRun;
            var perSecond = taskInstances / result.Seconds;
            var baseline = result.Baselines;
            var pass = perSecond >= TargetPerSecond;
            passed &= pass;
            main.Add([
                result.Runs == 1 ? "1 run in flight" : $"{result.Runs} runs in flight",
                Number(taskInstances, "0"),
                Number(result.Seconds, "0.000"),
                Number(perSecond, "0.0"),
                Number(baseline.BashTrue, "0.0"),
                Number(perSecond / baseline.BashTrue, "0.00"),
                result.CpuBusy is { } cpu ? Number(cpu * 100, "0") + " %" : "n/a",
                pass ? $"PASS (≥ {TargetPerSecond:0})" : $"FAIL (< {TargetPerSecond:0})",
            ]);
        }

        Console.WriteLine();
        var busyBefore = otherLoad is { } load ? Number(load * 100, "0") + " %" : "unknown";
        Console.WriteLine(
            $"Scheduler throughput, parallelism {SchedulerBenchmark.Parallelism}, {SchedulerBenchmark.TasksPerRun}-task fan-out/fan-in DAG of `true`, " +
            $"median of {options.Repeats} ({DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} CPUs, {busyBefore} other load at start, " +
            $"{warmUp.TotalSeconds:0} s warm-up)");
        Console.WriteLine();
        WriteTable(["scenario", "TIs", "seconds", "TI/s", "baseline/s", "ratio", "CPU busy", "target"], main);

        Console.WriteLine();
        Console.WriteLine("Baselines, same counts and parallelism, no engine (items per second):");
        Console.WriteLine();
        WriteTable(
            ["items", "bash -c true", "executor's TaskProcess", "engine ÷ TaskProcess", "raw SQL (4 UPDATEs per TI)"],
            results.Select(result => new[]
            {
                Number(result.Runs * SchedulerBenchmark.TasksPerRun, "0"), Number(result.Baselines.BashTrue, "0.0"),
                Number(result.Baselines.TaskProcess, "0.0"),
                Number(result.Runs * SchedulerBenchmark.TasksPerRun / result.Seconds / result.Baselines.TaskProcess, "0.00"),
                Number(result.Baselines.Sql, "0.0"),
            }).ToList());

        if (options.Profile)
        {
            foreach (var result in results)
            {
                var taskInstances = (double)(result.Runs * SchedulerBenchmark.TasksPerRun * options.Repeats);
                var statements = result.Statements;
                Console.WriteLine();
                Console.WriteLine($"Database commands, {result.Runs} run(s) in flight: {statements.Sum(s => s.Count) / taskInstances:0.00} per TI, " +
                                  $"{statements.Sum(s => s.Time.TotalMilliseconds) / taskInstances:0.00} ms client-side per TI");
                Console.WriteLine();
                WriteTable(
                    ["per TI", "ms per TI", "statement"],
                    statements.Take(14).Select(s => new[]
                    {
                        Number(s.Count / taskInstances, "0.00"), Number(s.Time.TotalMilliseconds / taskInstances, "0.00"),
                        $"`{s.Statement.Replace("|", "\\|", StringComparison.Ordinal)}`",
                    }).ToList());
                Console.WriteLine();
                WriteTable(["step", "mean ms"], result.Lifecycle!.Select(l => new[] { l.Step, Number(l.Ms, "0.0") }).ToList());
            }
        }

        Console.WriteLine();
        Console.WriteLine(passed
            ? $"PASS: every scenario reached {TargetPerSecond:0} TI/s."
            : $"FAIL: at least one scenario stayed below {TargetPerSecond:0} TI/s.");
        return passed;
    }


}

internal sealed record BaselineResult(double BashTrue, double TaskProcess, double Sql);

/// <summary>One scenario: the median seconds and the median run's CPU use, its baselines and, with --profile, where the time went.</summary>
internal sealed record EngineResult(
    int Runs,
    double Seconds,
    double? CpuBusy,
    BaselineResult Baselines,
    List<(string Statement, int Count, TimeSpan Time)> Statements,
    List<(string Step, double Ms)>? Lifecycle);
