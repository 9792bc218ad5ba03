using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// Notes in a real browser, seen from two pages: one person writes a note on a task instance and on
/// a run in the side panels; a colleague who only watches the grid sees the note marks appear live
/// (through the change notifications, no reload) and reads the note in their own panel, as text
/// that runs nothing even when it holds HTML or a javascript: link.
/// </summary>
public sealed class NotesBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Dag = """
        dag_id: noted
        schedule: null
        tasks:
          - {id: extract, command: 'true'}
          - {id: load, upstream: extract, command: 'true'}
        """;

    private const string Note = """
        Vendor sent **bad rows**; see [OPS-12](https://issues.example/OPS-12).
        <img src=x onerror="document.title='pwned'"> [click](javascript:document.title='pwned')
        """;

    private EngineHarness _engine = null!;
    private DashboardAppHost _app = null!;
    private string _run = "";

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        await _engine.AddDagAsync(Dag, unpause: false);
        var day = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
        _run = (await _engine.CreateRunsAsync("noted", EngineHarness.RunFor(DagRunType.Manual, new DataInterval(day, day.AddDays(1))))).Keys.Single();
        _app = await DashboardAppHost.StartAsync(_engine.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task A_note_written_on_one_page_marks_the_grid_and_shows_in_the_panel_of_another()
    {
        var watcher = await OpenAsync("/dags/noted/grid");
        await Expect(Cell(watcher, "load")).Not.ToHaveAttributeAsync("data-has-note", "true");
        var writer = await OpenAsync($"/dags/noted/grid?run={Uri.EscapeDataString(_run)}&task=load");
        var panel = writer.GetByTestId("ti-panel");
        await Expect(panel.GetByTestId("note")).ToContainTextAsync("No note.");

        await panel.GetByTestId("note-edit").ClickAsync();
        await Expect(panel.GetByTestId("note-save")).ToBeDisabledAsync();
        await panel.GetByTestId("note-text").FillAsync(Note);
        await Expect(panel.GetByTestId("note-counter")).ToContainTextAsync($"{Note.Trim().Length} / 10,000 characters");
        await Expect(panel.GetByTestId("note-save")).ToBeEnabledAsync();
        await Screenshots.SaveAsync(writer, "notes/note-editor.png");
        await panel.GetByTestId("note-save").ClickAsync();
        await Expect(panel.GetByTestId("note-view").Locator("strong")).ToHaveTextAsync("bad rows");

        // The watching page hears of it through the notifications: the cell gets its mark, and says so.
        await Expect(Cell(watcher, "load")).ToHaveAttributeAsync("data-has-note", "true");
        // A cell's label is given when it is hovered or selected, not to every cell drawn.
        await Cell(watcher, "load").HoverAsync();
        await Expect(Cell(watcher, "load")).ToHaveAttributeAsync("aria-label", $"load on {_run}: none, has a note");
        await Expect(Cell(watcher, "extract")).Not.ToHaveAttributeAsync("data-has-note", "true");

        await Cell(watcher, "load").ClickAsync();
        var shown = watcher.GetByTestId("ti-panel").GetByTestId("note-view");
        await Expect(shown).ToContainTextAsync("Vendor sent bad rows; see OPS-12.");
        await Expect(shown.Locator("a[href='https://issues.example/OPS-12']")).ToHaveAttributeAsync("target", "_blank");
        // The HTML is text, the javascript: link only its words.
        await Expect(shown).ToContainTextAsync("<img src=x onerror=");
        await Expect(shown.Locator("img")).ToHaveCountAsync(0);
        await Expect(shown.Locator("a")).ToHaveCountAsync(1);
        Assert.NotEqual("pwned", await watcher.TitleAsync());
        await Screenshots.SaveAsync(watcher, "notes/grid-note-marker.png");

        // A run note marks the run's header the same way.
        await writer.Locator($"[data-run-header][data-run-id='{_run}']").ClickAsync();
        var runPanel = writer.GetByTestId("run-panel");
        await runPanel.GetByTestId("note-edit").ClickAsync();
        await runPanel.GetByTestId("note-text").FillAsync("Re-run after the vendor's fix");
        await runPanel.GetByTestId("note-save").ClickAsync();
        await Expect(runPanel.GetByTestId("note-view")).ToHaveTextAsync("Re-run after the vendor's fix");
        await Expect(watcher.Locator($"[data-run-header][data-run-id='{_run}']")).ToHaveAttributeAsync("data-has-note", "true");
    }

    private async Task<IPage> OpenAsync(string path)
    {
        var page = await browser.NewPageAsync(_app);
        await page.SetViewportSizeAsync(1440, 900);
        await page.GotoAsync(new Uri(_app.BaseAddress, path).ToString());
        await Expect(page.Locator("[data-testid='grid'][data-ready='true']")).ToBeVisibleAsync();
        return page;
    }

    private ILocator Cell(IPage page, string taskId) => page.Locator($"[data-cell][data-task-id='{taskId}'][data-run-id='{_run}']");
}
