using System.Globalization;
using Dashboard.Testing;
using Microsoft.Playwright;

namespace Dashboard.Bench;

/// <summary>One grid the benchmark opens: a data set's DAG with a window of <see cref="Runs"/> runs.</summary>
internal sealed record GridScenario(GridDataSet Data, int Runs)
{
    /// <summary>The grid's default window, and what the page shows without a <c>runs</c> parameter.</summary>
    public const int DefaultRuns = 25;

    public static readonly GridScenario Standard = new(GridDataSet.Standard, DefaultRuns);
    public static readonly GridScenario StandardWide = new(GridDataSet.Standard, 100);
    public static readonly GridScenario Large = new(GridDataSet.Large, 100);

    public string Name => $"{Data.Tasks / 1000}k × {Runs}";

    /// <summary>Task cells only: what the issue counts, group rows being a summary of them.</summary>
    public int Cells => Data.Tasks * Runs;

    public string Path => $"/dags/{Data.DagId}/grid" + (Runs == DefaultRuns ? "" : $"?runs={Runs.ToString(CultureInfo.InvariantCulture)}");
}

/// <summary>What every grid measurement shares: the pages' readiness contract and how a page is opened and closed.</summary>
internal static class BenchPages
{
    /// <summary>The grid's scrolling element, once the page is interactive and its cells are drawn.</summary>
    public const string GridReady = "[data-testid='grid'][data-ready='true']";

    /// <summary>The baseline page: the app's layout with an empty backfill list.</summary>
    public const string TrivialPath = "/backfills";

    public const string TrivialReady = "main[data-interactive='true']";

    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static float LimitMs => (float)Limit.TotalMilliseconds;

    /// <summary>A fresh browser context (nothing cached, its own circuit), once the app holds no circuit from the page before.</summary>
    public static async Task<IPage> NewPageAsync(BrowserFixture browser, DashboardAppHost app, CircuitCounter circuits, CancellationToken ct)
    {
        await circuits.WaitForAsync(0, Limit, ct);
        return await browser.NewPageAsync(app);
    }

    public static string Url(DashboardAppHost app, string path) => new Uri(app.BaseAddress, path).ToString();

    /// <summary>Leaving the page lets Blazor's script tell the server the circuit is done, so it is not kept for a reconnect.</summary>
    public static async Task CloseAsync(IEnumerable<IPage> pages)
    {
        foreach (var page in pages)
        {
            await page.GotoAsync("about:blank");
            await page.Context.CloseAsync();
        }
    }

    public static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
