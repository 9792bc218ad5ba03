using System.Diagnostics;
using Dashboard.Core.Queries.Graph;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;
using static Dashboard.Bench.ReportTable;
using static Dashboard.Bench.Statistics;

namespace Dashboard.Bench;

/// <summary>
/// The Graph view on a generated 1,000-task DAG (20 stages of 50 tasks in groups, nested groups,
/// fan-out and fan-in): the server's layout, cold and from the cache, and in Chromium the Graph
/// page's first paint and readiness against the Grid page's for the same DAG, measured in the same
/// run, taking turns. The grid's data set (100 runs with a realistic state mix) colours both.
/// </summary>
internal static class GraphBenchmark
{
    public const int Stages = 20;
    public const int TasksPerStage = 50;
    public const double ColdLayoutTargetMs = 1000;
    public const double PageRatioTarget = 2;

    private const string GraphReady = "[data-testid='graph'][data-ready='true']";
    private const string GridReady = "[data-testid='grid'][data-ready='true']";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(RepeatsOptions options, CancellationToken ct)
    {
        var tasks = GeneratedDag.Tasks(Stages, TasksPerStage);
        Progress($"{Environment.ProcessorCount} CPUs, .NET {Environment.Version}; {tasks.Count} tasks, median of {options.Repeats}");
        var otherLoad = await CpuUsage.OtherLoadAsync(Progress, ct);

        Progress("Starting a throw-away PostgreSQL cluster and the app");
        await using var sandbox = await BenchSandbox.CreateAsync();
        ct.ThrowIfCancellationRequested();
        await File.WriteAllTextAsync(Path.Combine(sandbox.DagFolder, $"{GridDataSet.Standard.DagId}.yaml"), GeneratedDag.Yaml(GridDataSet.Standard.DagId, tasks), ct);
        await using var app = await DashboardAppHost.StartAsync(sandbox.ConnectionString, new Dictionary<string, string?> { ["Dags:Folder"] = sandbox.DagFolder });
        await using var db = NpgsqlDataSource.Create(sandbox.ConnectionString);
        await BenchSandbox.LoadDagsAsync(app.Services, ct);
        await GridDataSet.Standard.SeedAsync(db, ct);

        var snapshot = await app.Services.GetRequiredService<GraphQuery>().LoadAsync(GridDataSet.Standard.DagId, null, ct)
                       ?? throw new InvalidOperationException("The graph found no DAG.");
        var model = snapshot.Version ?? throw new InvalidOperationException("The DAG has no version.");
        if (model.Tasks.Count != tasks.Count)
        {
            throw new InvalidOperationException($"The version holds {model.Tasks.Count} tasks, not {tasks.Count}.");
        }

        var layouts = MeasureLayouts(model, options.Repeats);
        foreach (var layout in layouts)
        {
            Progress($"Layout {layout.Name}: first {layout.FirstMs:0} ms, cold {layout.ColdMs:0.0} ms, cached {layout.CachedMs * 1000:0.0} µs");
        }

        var browser = new BrowserFixture();
        await browser.InitializeAsync();
        PageTimes pages;
        ExpandTimes expand;
        try
        {
            pages = await MeasurePagesAsync(browser, app, options.Repeats, ct);
            expand = await MeasureExpandAsync(browser, app, options.Repeats, ct);
        }
        finally
        {
            await browser.DisposeAsync();
        }

        return Write(layouts, pages, expand, otherLoad, options) ? 0 : 1;
    }

    private sealed record LayoutTimes(string Name, int Nodes, int Edges, int Boxes, double Width, double Height, double FirstMs, double ColdMs, double CachedMs);

    private sealed record PageTimes(double GraphPaintMs, double GridPaintMs, double PaintRatio, double GraphReadyMs, double GridReadyMs, double ReadyRatio, int GraphNodes);

    private sealed record ExpandTimes(double FirstMs, double WarmMs);

    /// <summary>
    /// <see cref="GraphLayouter.Compute"/> for the page's default (groups collapsed) and for every group
    /// expanded: once first in the process (JIT included), then cold (no cache) and as a cache hit.
    /// </summary>
    private static List<LayoutTimes> MeasureLayouts(Dashboard.Core.Dags.DagVersionModel model, int repeats)
    {
        var results = new List<LayoutTimes>();
        foreach (var (name, collapsed) in new[]
                 {
                     ("groups collapsed (the page's default)", GraphLayouter.DefaultCollapsed(model)),
                     ("every group expanded", (IReadOnlySet<string>)new HashSet<string>()),
                 })
        {
            var first = Time(() => GraphLayouter.Compute(model, collapsed, GraphDirection.LeftToRight));
            var cold = Enumerable.Range(0, repeats).Select(_ => Time(() => GraphLayouter.Compute(model, collapsed, GraphDirection.LeftToRight))).ToList();
            var cache = new GraphLayoutCache();
            var layout = cache.Get(model, collapsed);
            var cached = Enumerable.Range(0, repeats).Select(_ => Time(() => cache.Get(model, collapsed))).ToList();
            if (cache.Computed != 1)
            {
                throw new InvalidOperationException($"The cache computed {cache.Computed} layouts for one key.");
            }

            results.Add(new LayoutTimes(name, layout.Nodes.Count, layout.Edges.Count, layout.Boxes.Count, layout.Width, layout.Height,
                first, Median(cold), Median(cached)));
        }

        return results;
    }

    /// <summary>
    /// A new browser context per load (nothing cached), Graph and Grid taking turns: first contentful paint
    /// from the Paint Timing API, and the time from navigation until the view reports itself interactive.
    /// </summary>
    private static async Task<PageTimes> MeasurePagesAsync(BrowserFixture browser, DashboardAppHost app, int repeats, CancellationToken ct)
    {
        var graphUrl = new Uri(app.BaseAddress, $"/dags/{GridDataSet.Standard.DagId}/graph").ToString();
        var gridUrl = new Uri(app.BaseAddress, $"/dags/{GridDataSet.Standard.DagId}/grid").ToString();
        var nodes = 0;
        for (var i = 0; i < 2; i++)
        {
            await LoadAsync(browser, app, graphUrl, GraphReady);
            await LoadAsync(browser, app, gridUrl, GridReady);
        }

        var (graphPaint, gridPaint, graphReady, gridReady) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (var repeat = 0; repeat < repeats; repeat++)
        {
            ct.ThrowIfCancellationRequested();
            var graphFirst = repeat % 2 == 0;
            for (var turn = 0; turn < 2; turn++)
            {
                if ((turn == 0) == graphFirst)
                {
                    var (paint, ready, drawn) = await LoadAsync(browser, app, graphUrl, GraphReady);
                    nodes = drawn;
                    graphPaint.Add(paint);
                    graphReady.Add(ready);
                }
                else
                {
                    var (paint, ready, _) = await LoadAsync(browser, app, gridUrl, GridReady);
                    gridPaint.Add(paint);
                    gridReady.Add(ready);
                }
            }
        }

        Progress($"Graph page: paint {Median(graphPaint):0} ms, ready {Median(graphReady):0} ms; grid page: paint {Median(gridPaint):0} ms, ready {Median(gridReady):0} ms");
        return new PageTimes(Median(graphPaint), Median(gridPaint), PairedRatio(graphPaint, gridPaint),
            Median(graphReady), Median(gridReady), PairedRatio(graphReady, gridReady), nodes);
    }

    private static async Task<(double PaintMs, double ReadyMs, int Nodes)> LoadAsync(BrowserFixture browser, DashboardAppHost app, string url, string ready)
    {
        var page = await browser.NewPageAsync(app);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            await page.GotoAsync(url, new() { WaitUntil = WaitUntilState.Commit });
            await page.Locator(ready).WaitForAsync(new() { Timeout = (float)Limit.TotalMilliseconds });
            var readyMs = stopwatch.Elapsed.TotalMilliseconds;
            var paint = await page.EvaluateAsync<double>(
                "() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1");
            var nodes = await page.Locator("[data-node]").CountAsync();
            return (paint, readyMs, nodes);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    /// <summary>"Expand all" on the open page until all 1,000 nodes are drawn: first (the server lays out), then from the cache.</summary>
    private static async Task<ExpandTimes> MeasureExpandAsync(BrowserFixture browser, DashboardAppHost app, int repeats, CancellationToken ct)
    {
        var page = await browser.NewPageAsync(app);
        try
        {
            await page.GotoAsync(new Uri(app.BaseAddress, $"/dags/{GridDataSet.Standard.DagId}/graph").ToString());
            await page.Locator(GraphReady).WaitForAsync(new() { Timeout = (float)Limit.TotalMilliseconds });
            var first = await ExpandAsync(page);
            var warm = new List<double>();
            for (var repeat = 0; repeat < repeats; repeat++)
            {
                ct.ThrowIfCancellationRequested();
                await page.GetByTestId("graph-collapse-all").ClickAsync();
                await page.WaitForFunctionAsync($"() => document.querySelectorAll('[data-node]').length === {Stages}", null,
                    new() { Timeout = (float)Limit.TotalMilliseconds });
                warm.Add(await ExpandAsync(page));
            }

            Progress($"Expand all: first {first:0} ms, cached {Median(warm):0} ms");
            return new ExpandTimes(first, Median(warm));
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    private static async Task<double> ExpandAsync(IPage page)
    {
        var stopwatch = Stopwatch.StartNew();
        await page.GetByTestId("graph-expand-all").ClickAsync();
        await page.WaitForFunctionAsync($"() => document.querySelectorAll('[data-node]').length === {Stages * TasksPerStage}", null,
            new() { Timeout = (float)Limit.TotalMilliseconds });
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    private static bool Write(List<LayoutTimes> layouts, PageTimes pages, ExpandTimes expand, double? otherLoad, RepeatsOptions options)
    {
        var expanded = layouts[^1];
        var layoutPass = expanded.ColdMs <= ColdLayoutTargetMs;
        var pagePass = pages.ReadyRatio <= PageRatioTarget;
        var busyBefore = otherLoad is { } load ? Number(load * 100, "0") + " %" : "unknown";
        Console.WriteLine();
        Console.WriteLine($"Graph, {Stages * TasksPerStage:N0} tasks in {Stages} stage groups with nested groups, {GridDataSet.Standard.Runs} runs, median of {options.Repeats} " +
                          $"({DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} CPUs, .NET {Environment.Version}, {busyBefore} other load at start)");
        Console.WriteLine();
        Console.WriteLine("Server layout (`GraphLayouter.Compute`, milliseconds; first: the first call in the process, JIT included; cached: `GraphLayoutCache.Get` on the same key):");
        Console.WriteLine();
        WriteTable(["layout", "nodes", "edges", "boxes", "drawing (units)", "first ms", "cold ms", "cached ms", "target"],
            layouts.Select(l => new[]
            {
                l.Name, Number(l.Nodes, "N0"), Number(l.Edges, "N0"), Number(l.Boxes, "0"), $"{l.Width:0} × {l.Height:0}",
                Number(l.FirstMs, "0"), Number(l.ColdMs, "0.0"), Number(l.CachedMs, "0.000"),
                l == expanded ? (layoutPass ? $"PASS (cold ≤ {ColdLayoutTargetMs:0} ms)" : $"FAIL (cold > {ColdLayoutTargetMs:0} ms)") : "none",
            }).ToList());
        Console.WriteLine();
        Console.WriteLine("Pages in Chromium (median milliseconds from navigation; a new browser context per load, Graph and Grid taking turns; " +
                          "ratio: the median of the Graph/Grid ratios of loads taken back to back):");
        Console.WriteLine();
        WriteTable(["measurement", "Graph ms", "Grid ms (baseline)", "ratio", "target"],
        [
            ["first contentful paint", Number(pages.GraphPaintMs, "0"), Number(pages.GridPaintMs, "0"), Number(pages.PaintRatio, "0.00") + "×", "none"],
            ["ready (interactive, `data-ready`)", Number(pages.GraphReadyMs, "0"), Number(pages.GridReadyMs, "0"), Number(pages.ReadyRatio, "0.00") + "×",
                pagePass ? $"PASS (≤ {PageRatioTarget:0}×)" : $"FAIL (> {PageRatioTarget:0}×)"],
        ]);
        Console.WriteLine();
        Console.WriteLine($"The Graph page opens with its {pages.GraphNodes} stage groups collapsed. \"Expand all\" to {Stages * TasksPerStage:N0} drawn nodes: " +
                          $"first {expand.FirstMs:0} ms (laid out on the server), then {expand.WarmMs:0} ms from the cache (median).");
        return layoutPass && pagePass;
    }

    private static double Time<T>(Func<T> action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var stopwatch = Stopwatch.StartNew();
        GC.KeepAlive(action());
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
