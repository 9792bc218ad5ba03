using System.Text;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// A grid of 500 task rows in a real browser: only the rows in view are in the page, every row in view
/// is drawn wherever the grid is scrolled to, the keyboard reaches rows far below, and the circuit
/// never sends the cells the prerendered page already carried.
/// </summary>
public sealed class GridScaleBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string DagId = "wide";
    private EngineHarness _engine = null!;
    private DashboardAppHost _app = null!;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        await _engine.AddDagAsync(GeneratedDag.Yaml(DagId, GeneratedDag.Tasks(stages: 20, tasksPerStage: 25)), unpause: false);
        var day = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        await _engine.CreateRunsAsync(DagId,
            EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day, day.AddDays(1))),
            EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day.AddDays(1), day.AddDays(2))));
        _app = await DashboardAppHost.StartAsync(_engine.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
    }

    /// <summary>Every row band in the visible part of the grid, below its sticky header, has a drawn row under the task names.</summary>
    private const string EveryRowInViewIsDrawn = """
        () => {
            const grid = document.querySelector('[data-testid=grid][data-ready=true]');
            if (!grid) return false;
            const box = grid.getBoundingClientRect();
            const header = grid.querySelector('.grid-header').getBoundingClientRect();
            for (let y = header.bottom + 2; y < box.bottom - 2; y += 14) {
                const at = document.elementFromPoint(box.left + 20, y);
                if (!at || !at.closest('.grid-row')) return false;
            }
            return true;
        }
        """;

    [Fact]
    public async Task Scrolling_never_leaves_a_row_blank_the_keyboard_reaches_far_rows_and_the_cells_come_once()
    {
        var page = await browser.NewPageAsync(_app);
        var cellsOnTheSocket = 0;
        page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) =>
        {
            var text = frame.Text ?? Encoding.UTF8.GetString(frame.Binary ?? []);
            if (text.Contains("\"cells\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref cellsOnTheSocket);
            }
        };

        var response = await page.GotoAsync(new Uri(_app.BaseAddress, $"/dags/{DagId}/grid").ToString());
        var html = await response!.TextAsync();
        await Expect(page.Locator("[data-testid='grid'][data-ready='true']")).ToBeVisibleAsync();

        // The model came once, in the page; the circuit confirmed the browser held it and sent no cells.
        Assert.Equal(1, CountOf(html, "data-grid-model"));
        Assert.Equal(0, Volatile.Read(ref cellsOnTheSocket));
        var drawn = await page.Locator(".grid-row").CountAsync();
        Assert.InRange(drawn, 10, 80);

        var grid = page.GetByTestId("grid");
        foreach (var fraction in new[] { 0.5, 1.0, 0.1, 0.73, 0.0 })
        {
            await grid.EvaluateAsync("(g, f) => { g.scrollTop = f * (g.scrollHeight - g.clientHeight); }", fraction);
            await page.WaitForFunctionAsync(EveryRowInViewIsDrawn);
        }

        // Down 40 rows from the first cell: the selection follows, is scrolled into view and is what a screen reader announces.
        var first = page.Locator("[data-cell][data-task-id='stage_01_start']").Last;
        await first.ClickAsync();
        for (var i = 0; i < 40; i++)
        {
            await grid.PressAsync("ArrowDown");
        }

        var active = page.Locator("#grid-active-cell");
        await Expect(grid).ToHaveAttributeAsync("aria-activedescendant", "grid-active-cell");
        await Expect(active).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("selected"));
        await Expect(active).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex(@"^\S+ on scheduled__2026-11-02T00:00:00\+00:00: none$"));
        await Expect(active).ToBeInViewportAsync();
        Assert.True(await page.Locator(".grid-row").CountAsync() <= 80);

        // Scrolled far away, its element serves another row: it is no longer the active cell, and comes back with its row.
        await grid.EvaluateAsync("g => { g.scrollTop = g.scrollHeight; }");
        await page.WaitForFunctionAsync(EveryRowInViewIsDrawn);
        await Expect(grid).Not.ToHaveAttributeAsync("aria-activedescendant", "grid-active-cell");
        await Expect(page.Locator("#grid-active-cell")).ToHaveCountAsync(0);
        await grid.PressAsync("ArrowUp");
        await Expect(active).ToBeInViewportAsync();
        await Expect(grid).ToHaveAttributeAsync("aria-activedescendant", "grid-active-cell");
        Assert.Equal(0, Volatile.Read(ref cellsOnTheSocket));
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
