using Dashboard.Testing;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// A run that misses its deadline while people watch: the scheduler's mark reaches the open grid
/// and the DAG list's Needs attention through the live-update path, with no reload.
/// </summary>
public sealed class DeadlineBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Dag = """
        dag_id: hourly_feed
        schedule: null
        deadline: {reference: queued_at, interval: 10m}
        tasks:
          - {id: load, command: 'true'}
        """;

    private EngineHarness _engine = null!;
    private DashboardAppHost _app = null!;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        await _engine.AddDagAsync(Dag);
        _app = await DashboardAppHost.StartAsync(_engine.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task A_missed_deadline_appears_on_the_grid_and_in_needs_attention_without_a_reload()
    {
        // The engine has no executor running: the run stays running, its task scheduled, past its deadline.
        var runId = await _engine.TriggerAsync("hourly_feed");
        await _engine.Scheduler.RunOnceAsync(CancellationToken.None);

        var grid = await browser.NewPageAsync(_app);
        await grid.GotoAsync(new Uri(_app.BaseAddress, $"dags/hourly_feed/grid?run={Uri.EscapeDataString(runId)}").ToString());
        await grid.WaitForCircuitAsync();
        var header = grid.Locator($"[data-run-header][data-run-id='{runId}']");
        await Expect(header).ToHaveAttributeAsync("data-state", "running");
        await Expect(header).Not.ToHaveAttributeAsync("data-deadline-missed", "true");
        await Expect(grid.GetByTestId("run-deadline")).ToHaveAttributeAsync("data-deadline", "pending");

        var list = await browser.NewPageAsync(_app);
        await list.GotoAsync(_app.BaseAddress.ToString());
        await list.WaitForCircuitAsync();
        await Expect(list.GetByTestId("needs-attention")).ToBeVisibleAsync();
        await Expect(list.GetByTestId("attention-missed-deadlines")).ToHaveCountAsync(0);

        _engine.Clock.Advance(TimeSpan.FromMinutes(11));
        await _engine.Scheduler.RunOnceAsync(CancellationToken.None);

        await Expect(header).ToHaveAttributeAsync("data-deadline-missed", "true");
        await Expect(header.GetByRole(Microsoft.Playwright.AriaRole.Img, new() { NameRegex = new("^Deadline missed at ") })).ToBeVisibleAsync();
        await Expect(grid.GetByTestId("run-deadline")).ToHaveAttributeAsync("data-deadline", "missed");
        var item = list.GetByTestId("attention-missed-deadlines").Locator($"li[data-dag-id='hourly_feed'][data-run-id='{runId}']");
        await Expect(item).ToBeVisibleAsync();
        await Expect(item.GetByRole(Microsoft.Playwright.AriaRole.Link)).ToHaveAttributeAsync("href", $"dags/hourly_feed/grid?run={Uri.EscapeDataString(runId)}");
    }
}
