using System.Globalization;
using System.Text;
using System.Text.Json;
using Dashboard.Testing;
using Microsoft.Playwright;
using static Dashboard.Bench.BenchPages;

namespace Dashboard.Bench;

/// <summary>
/// Scrolling a large grid from top to bottom at a fixed speed, driven by the page's own
/// <c>requestAnimationFrame</c> loop: how long each frame took, and on how many frames a row the
/// user should see was not drawn. The baseline is the same loop on a plain page of as many rows of
/// as many empty cells, all in the DOM, in a box of the same size.
/// </summary>
internal static class GridScrolling
{
    /// <summary>A brisk wheel scroll: 3 rows a frame, 5,000 px/s at 60 Hz.</summary>
    public const int WheelRowsPerFrame = 3;

    /// <summary>A fling: 20 rows a frame, 33,600 px/s, more than a whole screen of rows every frame.</summary>
    public const int FlingRowsPerFrame = 20;

    public static readonly int[] RowsPerFrame = [WheelRowsPerFrame, FlingRowsPerFrame];

    /// <summary>
    /// Runs in the page. Frame N's callback first checks what frame N − 1's scroll left on screen,
    /// after the page had its scroll event and any updates that arrived since, then scrolls on.
    /// Every row slot whose band meets the area below the sticky header must be covered by a
    /// <c>.grid-row</c>; the header's height is where the first row starts at the top. The check
    /// reads the rows' positions, which forces the layout the frame does anyway.
    /// </summary>
    private const string ScrollScript = """
        async ({ rowsPerFrame, frameLimit }) => {
          const grid = document.querySelector("[data-testid='grid']");
          const rowHeight = parseFloat(getComputedStyle(grid).getPropertyValue('--grid-row-height'));
          const nextFrame = () => new Promise(requestAnimationFrame);
          const contentTop = () => grid.getBoundingClientRect().top + grid.clientTop;
          const rowBands = () => {
            const top = contentTop() - grid.scrollTop;
            return [...grid.querySelectorAll('.grid-row')].map(row => {
              const box = row.getBoundingClientRect();
              return [box.top - top, box.bottom - top];
            });
          };
          grid.scrollTop = 0;
          await nextFrame();
          const header = Math.min(...rowBands().map(([top]) => top));
          const slots = Math.round((grid.scrollHeight - header) / rowHeight);
          const blankSlot = () => {
            const bands = rowBands();
            const first = Math.floor(grid.scrollTop / rowHeight);
            const last = Math.min(slots - 1, Math.floor((grid.scrollTop + grid.clientHeight - header - 1) / rowHeight));
            for (let slot = first; slot <= last; slot++) {
              const from = header + slot * rowHeight, to = from + rowHeight;
              if (!bands.some(([top, bottom]) => top <= from + 0.5 && bottom >= to - 0.5)) return slot;
            }
            return -1;
          };
          // The top drawn before the clock starts, whatever the page still had to do after it was ready.
          for (let i = 0; i < 600 && blankSlot() >= 0; i++) await nextFrame();
          const stamps = [], blanks = [];
          await new Promise(resolve => {
            const frame = now => {
              stamps.push(now);
              if (stamps.length > 1) {
                const slot = blankSlot();
                if (slot >= 0) blanks.push(slot);
              }
              const end = grid.scrollHeight - grid.clientHeight;
              if (grid.scrollTop >= end - 1 || stamps.length > frameLimit) { resolve(); return; }
              grid.scrollTop = Math.min(end, grid.scrollTop + rowsPerFrame * rowHeight);
              requestAnimationFrame(frame);
            };
            requestAnimationFrame(frame);
          });
          const end = grid.scrollHeight - grid.clientHeight;
          return {
            rowHeight, header, slots, blanks, reachedBottom: grid.scrollTop >= end - 1,
            frameMs: stamps.slice(1).map((t, i) => t - stamps[i]),
            width: grid.getBoundingClientRect().width, height: grid.getBoundingClientRect().height,
          };
        }
        """;

    public static async Task<ScrollResult> MeasureAsync(
        BrowserFixture browser, DashboardAppHost app, CircuitCounter circuits, GridScenario scenario, CancellationToken ct)
    {
        var grid = new List<ScrollPass>();
        var baseline = new List<ScrollPass>();
        foreach (var rows in RowsPerFrame)
        {
            // A fresh page for each pass, so each starts at the top of a grid nothing has scrolled yet.
            var page = await NewPageAsync(browser, app, circuits, ct);
            try
            {
                await page.GotoAsync(Url(app, scenario.Path));
                await page.Locator(GridReady).WaitForAsync(new() { Timeout = LimitMs });
                grid.Add(await ScrollAsync(page, rows, scenario.Data.Rows));
            }
            finally
            {
                await CloseAsync([page]);
            }

            Progress($"Scrolling {scenario.Name}, {rows} rows a frame: {grid[^1].Summary}");
            var plain = await browser.NewPageAsync();
            try
            {
                await plain.SetContentAsync(PlainPage(grid[^1], scenario.Runs), new() { Timeout = LimitMs });
                baseline.Add(await ScrollAsync(plain, rows, grid[^1].Slots));
            }
            finally
            {
                await plain.Context.CloseAsync();
            }

            Progress($"Scrolling the plain page, {rows} rows a frame: {baseline[^1].Summary}");
        }

        return new ScrollResult(scenario, grid, baseline);
    }

    private static async Task<ScrollPass> ScrollAsync(IPage page, int rowsPerFrame, int rows)
    {
        // Twice the frames the distance needs: a page that fights the scroll ends the pass, unfinished, instead of hanging.
        var frameLimit = 2 * rows / rowsPerFrame + 100;
        var result = await page.EvaluateAsync<JsonElement>(ScrollScript, new { rowsPerFrame, frameLimit });
        return new ScrollPass(
            rowsPerFrame,
            result.GetProperty("rowHeight").GetDouble(),
            result.GetProperty("header").GetDouble(),
            result.GetProperty("slots").GetInt32(),
            result.GetProperty("width").GetDouble(),
            result.GetProperty("height").GetDouble(),
            [.. result.GetProperty("frameMs").EnumerateArray().Select(e => e.GetDouble())],
            [.. result.GetProperty("blanks").EnumerateArray().Select(e => e.GetInt32())],
            result.GetProperty("reachedBottom").GetBoolean());
    }

    /// <summary>
    /// The grid's box, sticky header and row slots with every row and cell in the DOM: nothing to
    /// draw on the way, so its frames are what the browser needs to scroll that much content.
    /// </summary>
    private static string PlainPage(ScrollPass grid, int cellsPerRow)
    {
        string Px(double value) => value.ToString("0.##", CultureInfo.InvariantCulture) + "px";
        var row = "<div class=\"grid-row\"><span>task</span>" + string.Concat(Enumerable.Repeat("<i></i>", cellsPerRow)) + "</div>";
        var html = new StringBuilder($$"""
            <!DOCTYPE html>
            <style>
              body { margin: 0; font: 13px sans-serif; }
              [data-testid=grid] { --grid-row-height: {{Px(grid.RowHeight)}}; width: {{Px(grid.Width)}}; height: {{Px(grid.Height)}}; overflow: auto; box-sizing: border-box; }
              header { position: sticky; top: 0; height: {{Px(grid.Header)}}; background: #fff; border-bottom: 1px solid #ccc; box-sizing: border-box; }
              .grid-row { display: flex; height: var(--grid-row-height); width: max-content; }
              .grid-row span { flex: 0 0 240px; }
              .grid-row i { flex: 0 0 var(--grid-row-height); margin: 4px; border-radius: 3px; background: #2e7d32; }
            </style>
            <div data-testid="grid"><header></header>
            """);
        for (var i = 0; i < grid.Slots; i++)
        {
            html.Append(row);
        }

        return html.Append("</div>").ToString();
    }
}

/// <param name="Blanks">For each frame that showed a blank row, the first blank row slot.</param>
internal sealed record ScrollPass(
    int RowsPerFrame, double RowHeight, double Header, int Slots, double Width, double Height, List<double> FrameMs, List<int> Blanks, bool ReachedBottom)
{
    public double MedianMs => Statistics.Median(FrameMs);

    public double P95Ms => Statistics.Percentile(FrameMs, 95);

    public double ShareOver(double ms) => FrameMs.Count(f => f > ms) / (double)FrameMs.Count;

    public double Fps => FrameMs.Count * 1000 / FrameMs.Sum();

    public string Summary =>
        $"{FrameMs.Count} frames, median {MedianMs:0.0} ms, p95 {P95Ms:0.0} ms, {Fps:0} fps, {Blanks.Count} with a blank row" +
        (ReachedBottom ? "" : ", did not reach the bottom");
}

internal sealed record ScrollResult(GridScenario Scenario, List<ScrollPass> Grid, List<ScrollPass> Baseline);
