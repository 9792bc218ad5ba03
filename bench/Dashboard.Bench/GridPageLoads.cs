using System.Text.Json;
using Dashboard.Testing;
using Microsoft.Playwright;
using static Dashboard.Bench.BenchPages;
using static Dashboard.Bench.Statistics;

namespace Dashboard.Bench;

/// <summary>
/// Opening a grid in Chromium: when its first cells and its readiness appear, in the page's own
/// clock, against the app's trivial page loaded in turns with it; and every byte the first render
/// costs, the HTML document and the circuit's WebSocket, per cell.
/// </summary>
internal static class GridPageLoads
{
    private const int WarmUpPairs = 1;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Installed before the page's own scripts, so <c>performance.now()</c> counts from navigation
    /// start. Mutation records are delivered as the parser or a script adds the nodes, so the
    /// marks are when the DOM first holds a cell and the ready element, whatever draws them
    /// (prerendered markup, a script, a Blazor render batch).
    /// </summary>
    private const string MarksScript = """
        (() => {
          const marks = window.__benchMarks = {};
          const holds = (node, selector) => node.nodeType === 1 && (node.matches(selector) || node.querySelector(selector) !== null);
          const observer = new MutationObserver(records => {
            const now = performance.now();
            for (const record of records) {
              for (const node of record.type === 'attributes' ? [record.target] : record.addedNodes) {
                if (marks.firstCell === undefined && holds(node, '[data-cell]')) marks.firstCell = now;
                if (marks.ready === undefined && holds(node, READY)) marks.ready = now;
              }
            }
            if (marks.ready !== undefined) observer.disconnect();
          });
          observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-ready', 'data-interactive'] });
        })();
        """;

    /// <summary>
    /// The first load of the trivial page and of every grid in the process: the server's caches
    /// and its JIT cold for them, a new browser context as always.
    /// </summary>
    public static async Task<ColdLoads> MeasureColdAsync(
        BrowserFixture browser, DashboardAppHost app, CircuitCounter circuits, IReadOnlyList<GridScenario> scenarios, CancellationToken ct)
    {
        var trivial = await LoadAsync(browser, app, circuits, TrivialPath, TrivialReady, ct);
        var grids = new List<PageMarks>();
        foreach (var scenario in scenarios)
        {
            grids.Add(await LoadAsync(browser, app, circuits, scenario.Path, GridReady, ct));
            Progress($"First load of {scenario.Name}: first cells {grids[^1].FirstCellMs:0} ms, ready {grids[^1].ReadyMs:0} ms");
        }

        return new ColdLoads(trivial, grids);
    }

    /// <summary>
    /// <paramref name="repeats"/> pairs per grid after a warm-up, each a grid load and a
    /// trivial-page load in alternating order, a new browser context each.
    /// </summary>
    public static async Task<LoadTimes> MeasureTimesAsync(
        BrowserFixture browser, DashboardAppHost app, CircuitCounter circuits, IReadOnlyList<GridScenario> scenarios, ColdLoads cold, int repeats,
        CancellationToken ct)
    {
        var results = new List<ScenarioLoads>();
        foreach (var (scenario, first) in scenarios.Zip(cold.Grids))
        {
            for (var i = 0; i < WarmUpPairs; i++)
            {
                await LoadAsync(browser, app, circuits, scenario.Path, GridReady, ct);
                await LoadAsync(browser, app, circuits, TrivialPath, TrivialReady, ct);
            }

            var (grid, trivial) = (new List<PageMarks>(), new List<PageMarks>());
            for (var repeat = 0; repeat < repeats; repeat++)
            {
                // Back to back, the order alternating, so both see the same machine.
                var gridFirst = repeat % 2 == 0;
                var before = gridFirst ? null : await LoadAsync(browser, app, circuits, TrivialPath, TrivialReady, ct);
                grid.Add(await LoadAsync(browser, app, circuits, scenario.Path, GridReady, ct));
                trivial.Add(before ?? await LoadAsync(browser, app, circuits, TrivialPath, TrivialReady, ct));
            }

            var loads = new ScenarioLoads(scenario, first, grid, trivial);
            results.Add(loads);
            Progress($"{scenario.Name}: first cells {loads.FirstCellMs:0} ms, ready {loads.ReadyMs:0} ms, trivial page ready {loads.TrivialReadyMs:0} ms " +
                     $"({loads.ReadyRatio:0.00}×)");
        }

        return new LoadTimes(cold.Trivial, results, repeats);
    }

    private static async Task<PageMarks> LoadAsync(
        BrowserFixture browser, DashboardAppHost app, CircuitCounter circuits, string path, string ready, CancellationToken ct)
    {
        var page = await NewPageAsync(browser, app, circuits, ct);
        try
        {
            await page.AddInitScriptAsync(MarksScript.Replace("READY", JsonSerializer.Serialize(ready), StringComparison.Ordinal));
            await page.GotoAsync(Url(app, path), new() { WaitUntil = WaitUntilState.Commit });
            return await MarksAsync(page);
        }
        finally
        {
            await CloseAsync([page]);
        }
    }

    private static async Task<PageMarks> MarksAsync(IPage page)
    {
        await page.WaitForFunctionAsync("() => window.__benchMarks.ready !== undefined", null, new() { Timeout = LimitMs });
        var marks = await page.EvaluateAsync<double[]>("() => [window.__benchMarks.firstCell ?? -1, window.__benchMarks.ready]");
        return new PageMarks(marks[0], marks[1]);
    }

    /// <summary>
    /// One load per grid with the WebSocket counted from the start: the navigation's HTML body
    /// (decoded, and as transferred) and every frame received until the grid is ready and the
    /// socket has been quiet for a second. Static assets are left out: they are the same for any
    /// page and cached after the first.
    /// </summary>
    public static async Task<FirstRenderBytesResult> MeasureBytesAsync(
        BrowserFixture browser, DashboardAppHost app, CircuitCounter circuits, IReadOnlyList<GridScenario> scenarios, CancellationToken ct)
    {
        var shell = await FirstRenderAsync(browser, app, circuits, TrivialPath, TrivialReady, ct);
        Progress($"Trivial page first render: HTML {shell.Html:N0} bytes, WebSocket {shell.WebSocket.Bytes:N0} bytes in {shell.WebSocket.Frames} frames");
        var results = new List<FirstRenderBytes>();
        foreach (var scenario in scenarios)
        {
            var (html, transferred, webSocket) = await FirstRenderAsync(browser, app, circuits, scenario.Path, GridReady, ct);
            var bytes = new FirstRenderBytes(scenario, html, transferred, webSocket);
            results.Add(bytes);
            Progress($"{scenario.Name} first render: HTML {bytes.HtmlBytes:N0} bytes ({bytes.HtmlTransferred:N0} transferred), " +
                     $"WebSocket {bytes.WebSocket.Bytes:N0} bytes in {bytes.WebSocket.Frames} frames; {bytes.PerCell:0.00} bytes per cell");
        }

        return new FirstRenderBytesResult(shell.Html + shell.WebSocket.Bytes, results);
    }

    private static async Task<(long Html, long Transferred, WebSocketTraffic.Counts WebSocket)> FirstRenderAsync(
        BrowserFixture browser, DashboardAppHost app, CircuitCounter circuits, string path, string ready, CancellationToken ct)
    {
        var page = await NewPageAsync(browser, app, circuits, ct);
        try
        {
            var traffic = await WebSocketTraffic.AttachAsync(page);
            var response = await page.GotoAsync(Url(app, path)) ?? throw new InvalidOperationException($"The navigation to {path} had no response.");
            await page.Locator(ready).WaitForAsync(new() { Timeout = LimitMs });
            await traffic.WaitForQuietAsync(Settle, Limit, ct);
            var sizes = await response.Request.SizesAsync();
            return ((await response.BodyAsync()).Length, sizes.ResponseBodySize, traffic.Now());
        }
        finally
        {
            await CloseAsync([page]);
        }
    }
}

/// <param name="ShellBytes">The trivial page's first render (HTML and WebSocket): the app's layout, which every page carries.</param>
internal sealed record FirstRenderBytesResult(long ShellBytes, List<FirstRenderBytes> Grids);

/// <summary>Milliseconds from navigation start, in the page's clock; <paramref name="FirstCellMs"/> is −1 on a page without cells.</summary>
internal sealed record PageMarks(double FirstCellMs, double ReadyMs);

internal sealed record ScenarioLoads(GridScenario Scenario, PageMarks Cold, List<PageMarks> Grid, List<PageMarks> Trivial)
{
    public double FirstCellMs => Median(Grid.Select(m => m.FirstCellMs).ToList());

    public double ReadyMs => Median(Grid.Select(m => m.ReadyMs).ToList());

    public double TrivialReadyMs => Median(Trivial.Select(m => m.ReadyMs).ToList());

    /// <summary>The median of the ratios of loads taken back to back.</summary>
    public double ReadyRatio => PairedRatio(Grid.Select(m => m.ReadyMs).ToList(), Trivial.Select(m => m.ReadyMs).ToList());
}

internal sealed record ColdLoads(PageMarks Trivial, List<PageMarks> Grids);

internal sealed record LoadTimes(PageMarks ColdTrivial, List<ScenarioLoads> Scenarios, int Repeats);

/// <param name="HtmlTransferred">The body as it crossed the wire (compressed, if the server compresses).</param>
internal sealed record FirstRenderBytes(GridScenario Scenario, long HtmlBytes, long HtmlTransferred, WebSocketTraffic.Counts WebSocket)
{
    public long Total => HtmlBytes + WebSocket.Bytes;

    public double PerCell => Total / (double)Scenario.Cells;
}
