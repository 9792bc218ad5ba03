using Dashboard.Testing;
using Microsoft.Playwright;
using static Dashboard.Bench.BenchPages;
using static Dashboard.Bench.Statistics;

namespace Dashboard.Bench;

/// <summary>
/// The managed heap the app holds per open page: N grid pages against N pages of a trivial page of
/// the same app. An unmeasured round of each first, so neither what the app caches once (compiled
/// queries, component metadata, the grid's task structure) nor the growth of the shared buffer
/// pools is counted as a circuit's.
/// </summary>
internal static class GridMemory
{
    private static readonly TimeSpan PageSettle = TimeSpan.FromMilliseconds(300);

    public static async Task<MemoryResult> MeasureAsync(
        BrowserFixture browser, DashboardAppHost app, CircuitCounter circuits, IReadOnlyList<GridScenario> scenarios, int pages, CancellationToken ct)
    {
        // The buffer pools (render batches, SignalR) grow to what N pages need and keep that memory,
        // which belongs to no circuit.
        await HeldPerCircuitAsync(browser, app, TrivialPath, TrivialReady, circuits, pages, ct);
        foreach (var scenario in scenarios)
        {
            await HeldPerCircuitAsync(browser, app, scenario.Path, GridReady, circuits, pages, ct);
        }

        var trivial = await HeldPerCircuitAsync(browser, app, TrivialPath, TrivialReady, circuits, pages, ct);
        var grids = new List<(GridScenario, HeldMemory)>();
        foreach (var scenario in scenarios)
        {
            var held = await HeldPerCircuitAsync(browser, app, scenario.Path, GridReady, circuits, pages, ct);
            grids.Add((scenario, held));
            Progress($"Memory per circuit, {scenario.Name}: {held.PerPage / 1e6:0.00} MB (median step {held.MedianStep / 1e6:0.00}); " +
                     $"trivial page {trivial.PerPage / 1e6:0.00} MB (median step {trivial.MedianStep / 1e6:0.00})");
        }

        return new MemoryResult(pages, trivial, grids);
    }

    private static async Task<HeldMemory> HeldPerCircuitAsync(
        BrowserFixture browser, DashboardAppHost app, string path, string ready, CircuitCounter circuits, int pages, CancellationToken ct)
    {
        await circuits.WaitForAsync(0, Limit, ct);
        var before = FullyCollectedHeap();
        var heap = before;
        var steps = new List<double>();
        var opened = new List<IPage>();
        try
        {
            for (var i = 0; i < pages; i++)
            {
                var page = await browser.NewPageAsync(app);
                opened.Add(page);
                await page.GotoAsync(Url(app, path));
                await page.Locator(ready).WaitForAsync(new() { Timeout = LimitMs });
                await circuits.WaitForAsync(i + 1, Limit, ct);
                await Task.Delay(PageSettle, ct);
                var next = FullyCollectedHeap();
                steps.Add(next - heap);
                heap = next;
            }

            return new HeldMemory((heap - before) / (double)pages, Median(steps));
        }
        finally
        {
            await CloseAsync(opened);
            await circuits.WaitForAsync(0, Limit, ct);
        }
    }

    private static long FullyCollectedHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

/// <summary>Heap bytes per open page: the whole increase over N pages ÷ N, and the median step from one page more.</summary>
internal sealed record HeldMemory(double PerPage, double MedianStep);

internal sealed record MemoryResult(int Pages, HeldMemory Trivial, List<(GridScenario Scenario, HeldMemory Held)> Grids)
{
    /// <summary>
    /// What a grid circuit holds beyond a trivial page's: the difference of the median steps, the
    /// steadier figure. A page cannot hold less than nothing: a negative trivial step is the shared
    /// pools trimming, and subtracting it would count their trimming as the grid's.
    /// </summary>
    public double OwnBytes(HeldMemory grid) => grid.MedianStep - Math.Max(0, Trivial.MedianStep);
}
