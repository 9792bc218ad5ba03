using static Dashboard.Bench.Statistics;

using static Dashboard.Bench.ReportTable;

namespace Dashboard.Bench;

/// <summary>The clear benchmark's results as Markdown tables, with the verdict against the target.</summary>
internal static class ClearReport
{
    public const double RatioTarget = 3.0;
    public const double MillisecondsTarget = 1000;

    /// <summary>Prints the tables (Markdown, so they can go into bench/README.md as they are); true when the target is met.</summary>
    public static bool Write(ClearResults results)
    {
        var times = results.Times;
        var passed = PairedRatio(times.Service, times.Raw) <= RatioTarget && Median(times.Service) < MillisecondsTarget;

        Console.WriteLine();
        var busyBefore = results.OtherLoad is { } load ? Number(load * 100, "0") + " %" : "unknown";
        Console.WriteLine(
            $"Clear, {ClearDataSet.Runs} daily runs × {ClearDataSet.Tasks} tasks; `{ClearDataSet.PickedTask}` of the newest run with downstream and past: " +
            $"{results.TaskInstances:N0} task instances ({ClearDataSet.ClearedTasks.Count} tasks × {ClearDataSet.Runs} runs), median of {results.Options.Repeats} " +
            $"({DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, {busyBefore} other load at start)");
        Console.WriteLine();
        Console.WriteLine("Cleared task instances before the clear: " + string.Join(", ", results.Mix.Select(m => $"{m.State} {m.Count:N0}")) + ".");
        Console.WriteLine();
        Console.WriteLine("Milliseconds: the median and the fastest of the repeats; baseline: one raw UPDATE of the same rows by id in its own " +
                          "transaction; ratio: the median of the ratios of measurements taken in the same repeat:");
        Console.WriteLine();
        var verdict = passed
            ? $"PASS (≤ {RatioTarget:0}× and < {MillisecondsTarget:N0} ms)"
            : $"FAIL (target ≤ {RatioTarget:0}× and < {MillisecondsTarget:N0} ms)";
        WriteTable(["measurement", "TIs", "ms", "fastest ms", "ratio", "fastest ÷ fastest", "target"],
        [
            Row("`ClearService.ExecuteAsync`, end to end", times.Service, times.Raw, results.TaskInstances, verdict),
            Row("`ClearService.PreviewAsync`", times.Preview, times.Raw, results.TaskInstances, "none"),
            Row("raw SQL: `UPDATE task_instance … WHERE id = ANY(@ids)`", times.Raw, times.Raw, results.TaskInstances, "baseline"),
        ]);

        Console.WriteLine();
        Console.WriteLine($"Every repeat, ms: service {Series(times.Service)}; preview {Series(times.Preview)}; raw {Series(times.Raw)}.");

        var (profiledMs, statements) = (results.Profiled.Ms, results.Profiled.Statements);
        var inCommands = statements.Sum(s => s.Time.TotalMilliseconds);
        Console.WriteLine();
        Console.WriteLine($"Database commands of one `ExecuteAsync` ({Number(profiledMs, "0.0")} ms, task graph cached, commands counted), " +
                          $"{statements.Sum(s => s.Count)} in all, in the order sent; BEGIN goes out with the first:");
        Console.WriteLine();
        WriteTable(["statement", "count", "ms"],
        [
            .. statements.Select(s => new[] { $"`{s.Statement}`", Number(s.Count, "0"), Number(s.Time.TotalMilliseconds, "0.0") }),
            ["everything else: EF Core, sorting the selection, building the audit row, COMMIT, and the counting itself", "", Number(profiledMs - inCommands, "0.0")],
        ]);

        Console.WriteLine();
        Console.WriteLine(passed ? "PASS: the clear target is met." : "FAIL: the clear target is missed.");
        return passed;
    }

    private static string[] Row(string label, List<double> measured, List<double> raw, int taskInstances, string target) =>
    [
        label, Number(taskInstances, "N0"), Number(Median(measured), "0.0"), Number(measured.Min(), "0.0"),
        Number(PairedRatio(measured, raw), "0.00") + "×", Number(measured.Min() / raw.Min(), "0.00") + "×", target,
    ];

    private static string Series(List<double> values) => string.Join(", ", values.Select(v => Number(v, "0")));


}
