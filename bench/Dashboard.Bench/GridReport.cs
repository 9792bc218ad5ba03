
using static Dashboard.Bench.ReportTable;

namespace Dashboard.Bench;

/// <summary>The grid benchmark's results as Markdown tables, with the verdicts against the targets.</summary>
internal static class GridReport
{
    public const double ModelRatioTarget = 1.5;
    public const int ChangeBytesTarget = 10_000;
    public const double CircuitBytesTarget = 5_000_000;

    /// <summary>Commit to drawn cell, 95th percentile: the coalescing window (250 ms) plus a query and a render, with room.</summary>
    public const double ChangeLatencyTarget = 400;

    /// <summary>Prints the tables (Markdown, so they can go into bench/README.md as they are); true when every target is met.</summary>
    public static bool Write(GridResults results)
    {
        var (model, firstPage, memory, traffic) = (results.Model, results.FirstPage, results.Memory, results.Traffic);
        var modelPass = model.Ratio <= ModelRatioTarget;
        var change = Median(traffic.Changes, c => c.Traffic.Bytes);
        var changeMax = traffic.Changes.Max(c => c.Traffic.Bytes);
        var changePass = changeMax < ChangeBytesTarget;
        var latencies = traffic.Changes.Select(c => c.VisibleMs).ToList();
        var (p50, p95) = (Statistics.Percentile(latencies, 50), Statistics.Percentile(latencies, 95));
        var latencyPass = p95 <= ChangeLatencyTarget;
        var memoryPass = Math.Max(memory.Grid.PerPage, memory.Grid.MedianStep) < CircuitBytesTarget;

        Console.WriteLine();
        var busyBefore = results.OtherLoad is { } load ? Number(load * 100, "0") + " %" : "unknown";
        Console.WriteLine(
            $"Grid, {GridDataSet.Runs} runs × {GridDataSet.Tasks:N0} tasks in {GridDataSet.Groups} groups ({GridDataSet.Runs * GridDataSet.Tasks:N0} task instances), " +
            $"median of {results.Options.Repeats} ({DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, {busyBefore} other load at start)");
        Console.WriteLine();
        Console.WriteLine("State mix: " + string.Join(", ", results.Mix.Select(m => $"{m.State} {m.Count:N0}")) + ".");

        Console.WriteLine();
        Console.WriteLine("Model build and first page (median milliseconds; baseline: the raw SQL read of the same task-instance rows; " +
                          "ratio: the median of the ratios of measurements taken back to back):");
        Console.WriteLine();
        WriteTable(["measurement", "runs", "TIs", "ms", "baseline ms", "ratio", "target"],
        [
            ["`GridQuery.LoadAsync`", Number(GridDataSet.Runs, "0"), Number(model.Rows, "N0"), Number(model.ModelMs, "0.0"), Number(model.RawMs, "0.0"),
                Number(model.Ratio, "0.00") + "×", modelPass ? $"PASS (≤ {ModelRatioTarget:0.0}×)" : $"FAIL (> {ModelRatioTarget:0.0}×)"],
            ["`GridQuery.LoadAsync`", Number(GridBenchmark.PageRuns, "0"), Number(firstPage.Model.Rows, "N0"), Number(firstPage.Model.ModelMs, "0.0"),
                Number(firstPage.Model.RawMs, "0.0"), Number(firstPage.Model.Ratio, "0.00") + "×", "none"],
            [$"GET grid page, prerendered ({firstPage.DrawnRows} rows, {firstPage.HtmlBytes / 1000.0:0} KB HTML)", Number(GridBenchmark.PageRuns, "0"),
                Number(firstPage.Model.Rows, "N0"), Number(firstPage.GetMs, "0.0"), Number(firstPage.Model.RawMs, "0.0"), Number(firstPage.GetRatio, "0.00") + "×", "none (cheap)"],
        ]);

        Console.WriteLine();
        Console.WriteLine($"Bytes the browser receives on the circuit's WebSocket ({GridBenchmark.PageRuns} runs, {traffic.DrawnRows} rows drawn; " +
                          "baseline: the page's initial interactive render):");
        Console.WriteLine();
        var initial = traffic.Initial;
        WriteTable(["event", "frames", "render batches", "bytes", "ms to visible", "÷ initial render", "target"],
        [
            ["initial interactive render", Number(initial.Frames, "0"), Number(initial.RenderBatches, "0"), Number(initial.Bytes, "N0"),
                Number(traffic.ReadyMs, "0"), "1", "baseline"],
            [$"quiet period, {traffic.QuietMs / 1000:0.0} s", Number(traffic.Quiet.Frames, "0"), Number(traffic.Quiet.RenderBatches, "0"),
                Number(traffic.Quiet.Bytes, "N0"), "", Fraction(traffic.Quiet.Bytes, initial.Bytes), "baseline"],
            [$"one cell change, median of {traffic.Changes.Count} (max {changeMax:N0} bytes)", Number(Median(traffic.Changes, c => c.Traffic.Frames), "0"),
                Number(Median(traffic.Changes, c => c.Traffic.RenderBatches), "0"), Number(change, "N0"),
                Number(Statistics.Median(traffic.Changes.Select(c => c.VisibleMs).ToList()), "0"), Fraction(change, initial.Bytes),
                changePass ? $"PASS (< {ChangeBytesTarget:N0})" : $"FAIL (≥ {ChangeBytesTarget:N0})"],
            Burst($"{GridBenchmark.BurstRows * GridBenchmark.PageRuns:N0} changes, one transaction", traffic.OneTransaction, initial.Bytes),
            Burst($"{GridBenchmark.BurstRows * GridBenchmark.PageRuns:N0} changes, separate commits ({traffic.SeparateCommits.CommittedMs:0} ms)",
                traffic.SeparateCommits, initial.Bytes),
        ]);

        Console.WriteLine();
        Console.WriteLine($"Commit to drawn cell for one committed cell change, {latencies.Count} changes (from the commit returning until the " +
                          "browser's DOM shows the state, polled every animation frame; baseline: the coalescing window):");
        Console.WriteLine();
        WriteTable(["p50 ms", "p95 ms", "max ms", "window ms", "p95 − window ms", "target"],
        [
            [Number(p50, "0"), Number(p95, "0"), Number(latencies.Max(), "0"), Number(Dashboard.Core.Notifications.ChangeNotifier.DefaultWindow.TotalMilliseconds, "0"),
                Number(p95 - Dashboard.Core.Notifications.ChangeNotifier.DefaultWindow.TotalMilliseconds, "0"),
                latencyPass ? $"PASS (p95 ≤ {ChangeLatencyTarget:0})" : $"FAIL (p95 > {ChangeLatencyTarget:0})"],
        ]);

        Console.WriteLine();
        Console.WriteLine($"Managed heap the app holds per open page, {memory.Pages} pages at once (full GC before and after each page; " +
                          "baseline: the app's trivial /backfills page; ratio and own share from the median steps):");
        Console.WriteLine();
        WriteTable(["page", "MB per circuit, (after − before) ÷ N", "median step MB", "ratio", "grid's own MB", "target"],
        [
            ["/backfills (empty list)", Number(memory.Trivial.PerPage / 1e6, "0.00"), Number(memory.Trivial.MedianStep / 1e6, "0.00"), "1.00", "", "baseline"],
            [$"grid, {GridBenchmark.PageRuns} runs × {GridDataSet.Tasks:N0} tasks", Number(memory.Grid.PerPage / 1e6, "0.00"),
                Number(memory.Grid.MedianStep / 1e6, "0.00"), Number(memory.Grid.MedianStep / memory.Trivial.MedianStep, "0.00"),
                Number((memory.Grid.MedianStep - memory.Trivial.MedianStep) / 1e6, "0.00"),
                memoryPass ? $"PASS (both < {CircuitBytesTarget / 1e6:0} MB)" : $"FAIL (≥ {CircuitBytesTarget / 1e6:0} MB)"],
        ]);

        var passed = modelPass && changePass && latencyPass && memoryPass;
        Console.WriteLine();
        Console.WriteLine(passed ? "PASS: every grid target is met." : "FAIL: at least one grid target is missed.");
        return passed;
    }

    private static string[] Burst(string label, BurstMeasurement burst, long initialBytes) =>
    [
        label, Number(burst.Traffic.Frames, "0"), Number(burst.Traffic.RenderBatches, "0"), Number(burst.Traffic.Bytes, "N0"),
        Number(burst.VisibleMs, "0"), Fraction(burst.Traffic.Bytes, initialBytes), "none",
    ];

    private static double Median<T>(List<T> items, Func<T, double> value) => Statistics.Median(items.Select(value).ToList());

    private static string Fraction(double bytes, double baseline) => Number(bytes / baseline, bytes / baseline < 0.1 ? "0.000" : "0.00");


}
