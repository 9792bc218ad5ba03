using static Dashboard.Bench.ReportTable;

namespace Dashboard.Bench;

/// <summary>The grid benchmark's results as Markdown tables, with the verdicts against the targets.</summary>
internal static class GridReport
{
    public const double BytesPerCellTarget = 8;
    public const double BytesPerChangedCellTarget = 50;
    public const double ModelRatioTarget = 1.5;

    /// <summary>Commit to drawn cell, 95th percentile: the coalescing window (250 ms) plus a query and a render, with room.</summary>
    public const double ChangeLatencyTarget = 400;

    /// <summary>60 frames a second, with room for the jitter of frame timestamps around 16.7 ms.</summary>
    public const double FrameP95TargetMs = 20;

    private const double FrameMs = 1000 / 60.0;

    /// <summary>Ready time over the trivial page's; null where the figure is reported without a target.</summary>
    public static double? LoadRatioTarget(GridScenario scenario) =>
        scenario == GridScenario.StandardWide ? 3 : scenario == GridScenario.Large ? 5 : null;

    /// <summary>Heap a grid circuit holds beyond a trivial page's.</summary>
    public static double OwnMemoryTarget(GridScenario scenario) => scenario.Runs <= GridScenario.DefaultRuns ? 1e6 : 3e6;

    /// <summary>Prints the tables (Markdown, so they can go into bench/README.md as they are); true when every target is met.</summary>
    public static bool Write(GridResults results)
    {
        Console.WriteLine();
        var busyBefore = results.OtherLoad is { } load ? Number(load * 100, "0") + " %" : "unknown";
        Console.WriteLine(
            $"Grid, {string.Join(" and ", results.Mixes.Select(m => $"{m.Data.Tasks:N0} tasks in {m.Data.Groups} groups × {m.Data.Runs} runs"))}, " +
            $"median of {results.Options.Repeats} ({DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, " +
            $"{busyBefore} other load at start)");
        foreach (var (data, mix) in results.Mixes)
        {
            Console.WriteLine();
            Console.WriteLine($"State mix of `{data.DagId}`: " + string.Join(", ", mix.Select(m => $"{m.State} {m.Count:N0}")) + ".");
        }

        var verdicts = new List<bool>
        {
            WriteLoads(results.Loads),
            WriteBytes(results.Bytes),
            WriteChanges(results.Traffic),
            WriteMemory(results.Memory),
            WriteScrolling(results.Scrolling),
            WriteModels(results.Models),
        };
        var passed = verdicts.All(v => v);
        Console.WriteLine();
        Console.WriteLine(passed ? "PASS: every grid target is met." : "FAIL: at least one grid target is missed.");
        return passed;
    }

    private static bool WriteLoads(LoadTimes loads)
    {
        Console.WriteLine();
        Console.WriteLine($"Opening the grid in Chromium (milliseconds from navigation start in the page's clock, median of {loads.Repeats}, a new browser " +
                          "context per load; first cells: the first `[data-cell]` in the DOM; ready: `[data-testid=grid][data-ready=true]`; baseline: " +
                          "the trivial `/backfills` page ready, loaded in turns with the grid; ratio: the median of the ratios of loads taken back to back; " +
                          "first load: the first of its kind in the process, server caches and JIT cold):");
        Console.WriteLine();
        var passed = true;
        List<string[]> rows =
        [
            ["/backfills (empty list)", "", "", Number(loads.ColdTrivial.ReadyMs, "0"), "", Number(Statistics.Median(loads.Scenarios.SelectMany(s => s.Trivial).Select(m => m.ReadyMs).ToList()), "0"),
                "", "1.00", "baseline"],
        ];
        foreach (var s in loads.Scenarios)
        {
            var target = LoadRatioTarget(s.Scenario);
            var pass = target is not { } t || s.ReadyRatio <= t;
            passed &= pass;
            rows.Add([
                $"grid {s.Scenario.Name}", Number(s.Scenario.Cells, "N0"), Number(s.Cold.FirstCellMs, "0"), Number(s.Cold.ReadyMs, "0"),
                Number(s.FirstCellMs, "0"), Number(s.ReadyMs, "0"), Number(s.TrivialReadyMs, "0"), Number(s.ReadyRatio, "0.00") + "×",
                target is { } limit ? Verdict(pass, $"≤ {limit:0}×", $"> {limit:0}×") : "none (reported)",
            ]);
        }

        WriteTable(["page", "cells", "first load: first cells", "first load: ready", "first cells", "ready", "baseline ready, same pairs", "ready ÷ baseline", "target"], rows);
        return passed;
    }

    private static bool WriteBytes(FirstRenderBytesResult result)
    {
        Console.WriteLine();
        Console.WriteLine("Bytes of the first render, per task cell (the navigation's HTML body, decoded, plus every WebSocket byte received until the grid " +
                          "is ready and the socket has been quiet for 1 s; static assets left out; baseline: 1 byte per cell; beyond the shell: " +
                          $"the same less the trivial page's first render, {result.ShellBytes:N0} bytes of the app's layout that every page carries):");
        Console.WriteLine();
        var passed = true;
        var rows = new List<string[]>();
        foreach (var b in result.Grids)
        {
            var pass = b.PerCell <= BytesPerCellTarget;
            passed &= pass;
            rows.Add([
                $"grid {b.Scenario.Name}", Number(b.Scenario.Cells, "N0"), Number(b.HtmlBytes, "N0"), Number(b.HtmlTransferred, "N0"),
                Number(b.WebSocket.Bytes, "N0"), $"{b.WebSocket.Frames} / {b.WebSocket.RenderBatches}", Number(b.Total, "N0"), Number(b.PerCell, "0.00"),
                Number((b.Total - result.ShellBytes) / (double)b.Scenario.Cells, "0.00"), Verdict(pass, $"≤ {BytesPerCellTarget:0}", $"> {BytesPerCellTarget:0}"),
            ]);
        }

        WriteTable(["page", "cells", "HTML bytes", "HTML transferred", "WebSocket bytes", "frames / batches", "total bytes", "bytes per cell",
            "beyond the shell, per cell", "target (all included)"], rows);
        return passed;
    }

    private static bool WriteChanges(TrafficResult traffic)
    {
        var changes = traffic.Changes;
        var change = Median(changes, c => c.Traffic.Bytes);
        var batches = changes.Select(c => c.Traffic.RenderBatches).ToList();
        var batchesPass = batches.All(b => b == 1);
        var changePass = change <= BytesPerChangedCellTarget;
        var oneTransactionPass = PerCell(traffic.OneTransaction, traffic) <= BytesPerChangedCellTarget;
        var separatePass = PerCell(traffic.SeparateCommits, traffic) <= BytesPerChangedCellTarget;

        Console.WriteLine();
        Console.WriteLine($"Live changes on an open grid {traffic.Scenario.Name} ({traffic.DrawnRows} rows drawn): WebSocket bytes and render batches the browser " +
                          "receives (baseline: the page's initial interactive render; bytes per changed cell: bytes ÷ cells the commit changed):");
        Console.WriteLine();
        var initial = traffic.Initial;
        WriteTable(["event", "frames", "render batches", "bytes", "bytes per changed cell", "ms to visible", "÷ initial render", "target"],
        [
            ["initial interactive render", Number(initial.Frames, "0"), Number(initial.RenderBatches, "0"), Number(initial.Bytes, "N0"), "",
                Number(traffic.ReadyMs, "0"), "1", "baseline"],
            [$"quiet period, {traffic.QuietMs / 1000:0.0} s", Number(traffic.Quiet.Frames, "0"), Number(traffic.Quiet.RenderBatches, "0"),
                Number(traffic.Quiet.Bytes, "N0"), "", "", Fraction(traffic.Quiet.Bytes, initial.Bytes), "baseline"],
            [$"one cell change, median of {changes.Count} (max {changes.Max(c => c.Traffic.Bytes):N0} bytes)", Number(Median(changes, c => c.Traffic.Frames), "0"),
                batches.Min() == batches.Max() ? Number(batches.Min(), "0") : $"{batches.Min()}–{batches.Max()}", Number(change, "N0"), Number(change, "0"),
                Number(Statistics.Median(changes.Select(c => c.VisibleMs).ToList()), "0"), Fraction(change, initial.Bytes),
                Verdict(batchesPass, "1 batch", "≠ 1 batch") + ", " + Verdict(changePass, $"≤ {BytesPerChangedCellTarget:0} B/cell", $"> {BytesPerChangedCellTarget:0} B/cell")],
            Burst($"{traffic.BurstCells:N0} changes, one transaction", traffic.OneTransaction, traffic, oneTransactionPass),
            Burst($"{traffic.BurstCells:N0} changes, separate commits ({traffic.SeparateCommits.CommittedMs:0} ms)", traffic.SeparateCommits, traffic, separatePass),
        ]);

        var latencies = changes.Select(c => c.VisibleMs).ToList();
        var (p50, p95) = (Statistics.Percentile(latencies, 50), Statistics.Percentile(latencies, 95));
        var latencyPass = p95 <= ChangeLatencyTarget;
        var window = Dashboard.Core.Notifications.ChangeNotifier.DefaultWindow.TotalMilliseconds;
        Console.WriteLine();
        Console.WriteLine($"Commit to drawn cell for one committed cell change, {latencies.Count} changes (from the commit returning until the " +
                          "browser's DOM shows the state, polled every animation frame; baseline: the coalescing window):");
        Console.WriteLine();
        WriteTable(["p50 ms", "p95 ms", "max ms", "window ms", "p95 − window ms", "target"],
        [
            [Number(p50, "0"), Number(p95, "0"), Number(latencies.Max(), "0"), Number(window, "0"), Number(p95 - window, "0"),
                Verdict(latencyPass, $"p95 ≤ {ChangeLatencyTarget:0}", $"p95 > {ChangeLatencyTarget:0}")],
        ]);
        return batchesPass && changePass && oneTransactionPass && separatePass && latencyPass;
    }

    private static double PerCell(BurstMeasurement burst, TrafficResult traffic) => burst.Traffic.Bytes / (double)traffic.BurstCells;

    private static string[] Burst(string label, BurstMeasurement burst, TrafficResult traffic, bool pass) =>
    [
        label, Number(burst.Traffic.Frames, "0"), Number(burst.Traffic.RenderBatches, "0"), Number(burst.Traffic.Bytes, "N0"),
        Number(PerCell(burst, traffic), "0.0"), Number(burst.VisibleMs, "0"), Fraction(burst.Traffic.Bytes, traffic.Initial.Bytes),
        Verdict(pass, $"≤ {BytesPerChangedCellTarget:0} B/cell", $"> {BytesPerChangedCellTarget:0} B/cell"),
    ];

    private static bool WriteMemory(MemoryResult memory)
    {
        Console.WriteLine();
        Console.WriteLine($"Managed heap the app holds per open page, {memory.Pages} pages at once (full GC before and after each page; baseline: the app's " +
                          "trivial /backfills page; the figure with a target is the grid's own: its median step minus the trivial page's):");
        Console.WriteLine();
        var passed = true;
        List<string[]> rows =
        [
            ["/backfills (empty list)", Number(memory.Trivial.PerPage / 1e6, "0.00"), Number(memory.Trivial.MedianStep / 1e6, "0.00"), "", "baseline"],
        ];
        foreach (var (scenario, held) in memory.Grids)
        {
            var own = memory.OwnBytes(held);
            var target = OwnMemoryTarget(scenario);
            var pass = own <= target;
            passed &= pass;
            rows.Add([
                $"grid {scenario.Name}", Number(held.PerPage / 1e6, "0.00"), Number(held.MedianStep / 1e6, "0.00"), Number(own / 1e6, "0.00"),
                Verdict(pass, $"≤ {target / 1e6:0} MB", $"> {target / 1e6:0} MB"),
            ]);
        }

        WriteTable(["page", "MB per circuit, (after − before) ÷ N", "median step MB", "grid's own MB", "target"], rows);
        return passed;
    }

    private static bool WriteScrolling(ScrollResult scrolling)
    {
        var grid = scrolling.Grid[0];
        Console.WriteLine();
        Console.WriteLine($"Scrolling the grid {scrolling.Scenario.Name} from top to bottom ({grid.Slots:N0} rows of {grid.RowHeight:0} px in a " +
                          $"{grid.Width:0} × {grid.Height:0} px box), a fixed distance per animation frame in the page's `requestAnimationFrame` loop; " +
                          "frame times from the frames' timestamps; a blank frame leaves a row slot below the sticky header without a `.grid-row` " +
                          "covering it; baseline: the same loop on a plain page with every row and cell in the DOM. Headless Chromium paces frames " +
                          "without a display's vsync, so the frame rate is the browser's own pacing, not a monitor's:");
        Console.WriteLine();
        var passed = true;
        var rows = new List<string[]>();
        foreach (var (pass, baseline) in scrolling.Grid.Zip(scrolling.Baseline))
        {
            rows.Add(ScrollRow($"plain page, {baseline.RowsPerFrame} rows a frame", baseline, "baseline"));
            // 60 fps is held on the wheel scroll. A fling replaces more than a screen of rows every frame,
            // faster than the plain page, which changes nothing as it scrolls, can be drawn here: it is held
            // to keeping up with the plain page, and to never showing a blank row.
            var wheel = pass.RowsPerFrame == GridScrolling.WheelRowsPerFrame;
            var fast = wheel ? pass.P95Ms <= FrameP95TargetMs : pass.P95Ms <= baseline.P95Ms;
            var clean = pass.Blanks.Count == 0 && pass.ReachedBottom;
            passed &= fast && clean;
            rows.Add(ScrollRow($"grid, {pass.RowsPerFrame} rows ({pass.RowsPerFrame * pass.RowHeight:0} px) a frame", pass,
                (wheel
                    ? Verdict(fast, $"p95 ≤ {FrameP95TargetMs:0} ms", $"p95 > {FrameP95TargetMs:0} ms")
                    : Verdict(fast, "p95 ≤ the plain page's", "p95 > the plain page's")) + ", " +
                Verdict(clean, "no blank frame", pass.ReachedBottom ? "blank frames" : "did not reach the bottom")));
        }

        WriteTable(["pass", "frames", "median ms", "p95 ms", $"> {FrameMs:0.0} ms", $"> {2 * FrameMs:0.0} ms", "fps", "blank frames", "target"], rows);
        return passed;
    }

    private static string[] ScrollRow(string label, ScrollPass pass, string target) =>
    [
        label, Number(pass.FrameMs.Count, "0"), Number(pass.MedianMs, "0.0"), Number(pass.P95Ms, "0.0"),
        Number(pass.ShareOver(FrameMs) * 100, "0.0") + " %", Number(pass.ShareOver(2 * FrameMs) * 100, "0.0") + " %", Number(pass.Fps, "0"),
        Number(pass.Blanks.Count, "0") + (pass.Blanks.Count > 0 ? $" (first at row {pass.Blanks[0]:N0})" : ""), target,
    ];

    private static bool WriteModels(List<ReadTimes> models)
    {
        Console.WriteLine();
        Console.WriteLine("Model build (`GridQuery.LoadAsync`, median milliseconds; baseline: the raw SQL read of the same task-instance rows; " +
                          "ratio: the median of the ratios of measurements taken back to back):");
        Console.WriteLine();
        var passed = true;
        var rows = new List<string[]>();
        foreach (var model in models)
        {
            var pass = model.Ratio <= ModelRatioTarget;
            passed &= pass;
            rows.Add([
                $"{model.Data.Tasks:N0} tasks", Number(model.Data.Runs, "0"), Number(model.Rows, "N0"), Number(model.ModelMs, "0.0"), Number(model.RawMs, "0.0"),
                Number(model.Ratio, "0.00") + "×", Verdict(pass, $"≤ {ModelRatioTarget:0.0}×", $"> {ModelRatioTarget:0.0}×"),
            ]);
        }

        WriteTable(["DAG", "runs", "TIs", "ms", "baseline ms", "ratio", "target"], rows);
        return passed;
    }

    private static string Verdict(bool pass, string met, string missed) => pass ? $"PASS ({met})" : $"FAIL ({missed})";

    private static double Median<T>(List<T> items, Func<T, double> value) => Statistics.Median(items.Select(value).ToList());

    private static string Fraction(double bytes, double baseline) => Number(bytes / baseline, bytes / baseline < 0.1 ? "0.000" : "0.00");
}
