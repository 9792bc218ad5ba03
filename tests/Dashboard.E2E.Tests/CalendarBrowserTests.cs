using System.Globalization;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// A lead spots missing and failed days on the Calendar, drags across them, checks the Backfill
/// form's preview of those dates and creates the backfill; the days turn queued without a reload.
/// Then the Details tab shows one of the new runs.
/// </summary>
public sealed class CalendarBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string DagId = "calendar_daily";
    private const string HourlyDagId = "calendar_hourly";

    private EngineHarness _engine = null!;
    private DashboardAppHost _app = null!;
    private DateOnly _first;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        // Four days in one calendar year, well before today: success, failed, then two without a run.
        _first = DateOnly.FromDateTime(_engine.Today.UtcDateTime).AddDays(-20);
        if (_first.AddDays(3).Year != _first.Year)
        {
            _first = _first.AddDays(-7);
        }

        await _engine.AddDagAsync($"""
            dag_id: {DagId}
            schedule: "@daily"
            start_date: {_first:yyyy-MM-dd}
            catchup: false
            params:
              region: eu
            tasks:
              - {"{"}id: load, command: exit 0{"}"}
            """, unpause: false);
        var days = Enumerable.Range(0, 2).Select(i => new DateTimeOffset(_first.AddDays(i).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        await _engine.CreateRunsAsync(DagId, [.. days.Select(day => EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day, day.AddDays(1))))]);
        await using (var db = _engine.CreateContext())
        {
            var second = new DateTimeOffset(_first.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            await db.DagRuns.Where(r => r.DagId == DagId).ExecuteUpdateAsync(s => s.SetProperty(r => r.State, r => r.LogicalDate == second ? DagRunState.Failed : DagRunState.Success));
        }

        // An hourly DAG, whose calendar is a month of hours.
        await _engine.AddDagAsync($"""
            dag_id: {HourlyDagId}
            schedule: "@hourly"
            start_date: {_engine.Today.AddDays(-2):yyyy-MM-dd}
            tasks:
              - {"{"}id: ping, command: exit 0{"}"}
            """, unpause: false);
        var hour = _engine.Today.AddDays(-1);
        await _engine.CreateRunsAsync(HourlyDagId, [.. Enumerable.Range(0, 6).Select(i => EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(hour.AddHours(i), hour.AddHours(i + 1))))]);

        _app = await DashboardAppHost.StartAsync(_engine.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
    }

    private string Key(int offset) => _first.AddDays(offset).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Dragging_across_days_opens_the_backfill_form_with_that_range_and_submitting_creates_the_backfill()
    {
        var page = await browser.NewPageAsync(_app);
        await page.SetViewportSizeAsync(1440, 900);
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/dags/{DagId}/calendar?year={_first.Year}").ToString());
        await page.WaitForCircuitAsync();
        await Expect(page.Locator("[data-testid='calendar'][data-ready='true']")).ToBeVisibleAsync();
        var cell = (int offset) => page.Locator($"[data-key='{Key(offset)}']");
        await Expect(cell(0)).ToHaveAttributeAsync("data-outcome", "success");
        await Expect(cell(1)).ToHaveAttributeAsync("data-outcome", "failed");
        await Expect(cell(2)).ToHaveAttributeAsync("data-outcome", "missing");
        await Expect(cell(3)).ToHaveAttributeAsync("data-outcome", "missing");
        await Screenshots.SaveAsync(page, "calendar/year.png");

        await cell(0).HoverAsync();
        await page.Mouse.DownAsync();
        await cell(1).HoverAsync();
        await cell(2).HoverAsync();
        await cell(3).HoverAsync();
        await Expect(page.Locator(".cal-cell.selecting")).ToHaveCountAsync(4);
        await page.Mouse.UpAsync();

        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog.GetByTestId("backfill-dialog")).ToBeVisibleAsync();
        await Expect(dialog.GetByTestId("backfill-from").Locator("input")).ToHaveValueAsync(Key(0));
        await Expect(dialog.GetByTestId("backfill-to").Locator("input")).ToHaveValueAsync(Key(3));
        await Expect(dialog.GetByTestId("backfill-range-states")).ToHaveTextAsync("In this range: 2 missing, 1 failed, 1 succeeded");
        await Expect(dialog.GetByTestId("backfill-summary")).ToHaveTextAsync("2 runs will be created, 0 re-run, 2 skipped");
        Assert.Equal([Key(0), Key(1), Key(2), Key(3)],
            await dialog.Locator("[data-logical-date]").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.logicalDate)"));
        Assert.Equal(["skip", "skip", "create", "create"],
            await dialog.Locator("[data-logical-date]").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.action)"));
        await Screenshots.SaveAsync(page, "calendar/drag-backfill-form.png");

        await dialog.GetByTestId("reprocess-failed").CheckAsync();
        await Expect(dialog.GetByTestId("backfill-summary")).ToHaveTextAsync("2 runs will be created, 1 re-run, 1 skipped");
        await dialog.GetByTestId("backfill-submit").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        // The calendar follows the new runs live: the three dates the backfill runs are queued now.
        await Expect(cell(1)).ToHaveAttributeAsync("data-outcome", "running");
        await Expect(cell(2)).ToHaveAttributeAsync("data-outcome", "running");
        await Expect(cell(3)).ToHaveAttributeAsync("data-outcome", "running");
        await Expect(cell(0)).ToHaveAttributeAsync("data-outcome", "success");
        await using (var db = _engine.CreateContext())
        {
            var backfill = await db.Backfills.SingleAsync();
            Assert.Equal(new DateTimeOffset(_first.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), backfill.FromDate);
            Assert.Equal(3, await db.DagRuns.CountAsync(r => r.BackfillId == backfill.Id));
        }

        await Screenshots.SaveAsync(page, "calendar/after-backfill.png");

        // One click on a backfilled day opens its run's panel.
        await cell(2).ClickAsync();
        await Expect(page.GetByTestId("run-state")).ToHaveAttributeAsync("data-state", "queued");
        await Screenshots.SaveAsync(page, "calendar/day-run-panel.png");

        var runId = $"backfill__{Key(2)}T00:00:00+00:00";
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/dags/{DagId}/details?run={Uri.EscapeDataString(runId)}").ToString());
        await Expect(page.GetByTestId("details-run-type")).ToHaveTextAsync("backfill");
        await Expect(page.Locator("[data-param='region']")).ToContainTextAsync("'eu'");
        await Screenshots.SaveAsync(page, "details/dag-and-run.png");
    }

    [Fact]
    public async Task An_hourly_dag_shows_a_month_of_hours_with_the_hours_it_expected_and_missed()
    {
        var page = await browser.NewPageAsync(_app);
        await page.SetViewportSizeAsync(1440, 900);
        var yesterday = _engine.Today.AddDays(-1);
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/dags/{HourlyDagId}/calendar?month={yesterday:yyyy-MM}").ToString());
        await page.WaitForCircuitAsync();

        await Expect(page.Locator("[data-testid='calendar'][data-scale='hours']")).ToBeVisibleAsync();
        await Expect(page.Locator($"[data-key='{yesterday:yyyy-MM-dd}T05']")).ToHaveAttributeAsync("data-outcome", "running");
        await Expect(page.Locator($"[data-key='{yesterday:yyyy-MM-dd}T06']")).ToHaveAttributeAsync("data-outcome", "missing");
        await Expect(page.GetByTestId("calendar-period")).ToHaveTextAsync(yesterday.ToString("MMMM yyyy", CultureInfo.InvariantCulture));
        await Screenshots.SaveAsync(page, "calendar/hourly-month.png");
    }
}
