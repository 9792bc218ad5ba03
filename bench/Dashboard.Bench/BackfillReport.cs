using static Dashboard.Bench.Statistics;

using static Dashboard.Bench.ReportTable;

namespace Dashboard.Bench;

/// <summary>The backfill benchmark's results as Markdown tables, with the verdict against the target.</summary>
internal static class BackfillReport
{
    public const double MillisecondsTarget = 2000;

    /// <summary>Prints the tables (Markdown, so they can go into bench/README.md as they are); true when the target is met.</summary>
    public static bool Write(BackfillResults results)
    {
        var times = results.Times;
        var passed = Median(times.Service) < MillisecondsTarget;

        Console.WriteLine();
        var busyBefore = results.OtherLoad is { } load ? Number(load * 100, "0") + " %" : "unknown";
        Console.WriteLine(
            $"Backfill, {BackfillDataSet.From:yyyy-MM-dd} to {BackfillDataSet.To:yyyy-MM-dd} of a daily {BackfillDataSet.Tasks}-task DAG: " +
            $"{BackfillDataSet.Runs:N0} runs, {BackfillDataSet.TaskInstances:N0} task instances, median of {results.Options.Repeats} " +
            $"({DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, {busyBefore} other load at start)");
        Console.WriteLine();
        Console.WriteLine("Milliseconds: the median and the fastest of the repeats; baseline: the same runs and task instances in two raw " +
                          "INSERTs in one transaction; ratio: the median of the ratios of measurements taken in the same repeat:");
        Console.WriteLine();
        var verdict = passed ? $"PASS (< {MillisecondsTarget:N0} ms)" : $"FAIL (target < {MillisecondsTarget:N0} ms)";
        WriteTable(["measurement", "runs", "TIs", "ms", "fastest ms", "ratio", "fastest ÷ fastest", "target"],
        [
            Row("`BackfillService.CreateAsync`, end to end", times.Service, times.Raw, BackfillDataSet.TaskInstances, verdict),
            Row("`BackfillService.PreviewAsync` (on the empty range, as a lead sees it before creating)", times.Preview, null, 0, "none"),
            Row("raw SQL: `INSERT dag_run … unnest` + `INSERT task_instance … SELECT`", times.Raw, times.Raw, BackfillDataSet.TaskInstances, "baseline"),
        ]);

        Console.WriteLine();
        Console.WriteLine($"Every repeat, ms: create {Series(times.Service)}; preview {Series(times.Preview)}; raw {Series(times.Raw)}.");

        var (profiledMs, statements) = (results.Profiled.Ms, results.Profiled.Statements);
        var inCommands = statements.Sum(s => s.Time.TotalMilliseconds);
        Console.WriteLine();
        Console.WriteLine($"Database commands of one `CreateAsync` ({Number(profiledMs, "0.0")} ms, commands counted), " +
                          $"{statements.Sum(s => s.Count)} in all, most frequent first, then in the order sent; BEGIN goes out with the first:");
        Console.WriteLine();
        WriteTable(["statement", "count", "ms"],
        [
            .. statements.Select(s => new[] { $"`{s.Statement}`", Number(s.Count, "0"), Number(s.Time.TotalMilliseconds, "0.0") }),
            ["everything else: computing the intervals, EF Core, building the rows, COMMIT, and the counting itself", "", Number(profiledMs - inCommands, "0.0")],
        ]);

        Console.WriteLine();
        Console.WriteLine($"Ratio to the raw insert: {Number(PairedRatio(times.Service, times.Raw), "0.00")}×.");
        Console.WriteLine(passed ? "PASS: the backfill target is met." : "FAIL: the backfill target is missed.");
        return passed;
    }

    /// <param name="raw">The baseline to compare with; null for a measurement that writes nothing, which no ratio describes.</param>
    private static string[] Row(string label, List<double> measured, List<double>? raw, int taskInstances, string target) =>
    [
        label, Number(BackfillDataSet.Runs, "N0"), taskInstances == 0 ? "–" : Number(taskInstances, "N0"),
        Number(Median(measured), "0.0"), Number(measured.Min(), "0.0"),
        raw is null ? "–" : Number(PairedRatio(measured, raw), "0.00") + "×",
        raw is null ? "–" : Number(measured.Min() / raw.Min(), "0.00") + "×",
        target,
    ];

    private static string Series(List<double> values) => string.Join(", ", values.Select(v => Number(v, "0")));


}
