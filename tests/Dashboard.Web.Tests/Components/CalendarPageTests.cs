using AngleSharp.Dom;
using Bunit;
using Dashboard.Core.Security;
using Dashboard.Web.Components.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The Calendar tab: days coloured by their runs and missing dates marked; a click opens the day's
/// run; a click then a shift-click opens the Backfill form with that range for those allowed to backfill.
/// </summary>
public sealed class CalendarPageTests : ComponentTest
{
    /// <summary>"Now" for every test: the day after the sample runs, so which dates count as missing never depends on the real date.</summary>
    private static readonly DateTimeOffset Now = new(2026, 1, 6, 12, 0, 0, TimeSpan.Zero);

    private IRenderedComponent<MudDialogProvider> _dialogs = null!;

    private async Task<IRenderedComponent<DagCalendar>> RenderCalendarAsync(string dagId = PipelineDag.DagId, string? year = "2026")
    {
        Engine.Clock.Advance(Now - Engine.Clock.GetUtcNow());
        Render<MudPopoverProvider>();
        _dialogs = Render<MudDialogProvider>();
        Services.GetRequiredService<NavigationManager>().NavigateTo($"dags/{dagId}/calendar{(year is null ? "" : $"?year={year}")}");
        var page = Render<DagCalendar>(p => p.Add(x => x.DagId, dagId));
        await page.WaitForAssertionAsync(() => Assert.True(page.FindAll("[data-testid='calendar']").Count > 0 || page.Markup.Contains("There is no DAG")));
        return page;
    }

    private static IElement Day(IRenderedComponent<DagCalendar> page, string day) => page.Find($"[data-key='{day}']");

    /// <summary>
    /// Finds the day and clicks it on the renderer's thread, so no render (a panel loading after the
    /// previous click) can fall between the two and take the handler the element was found with.
    /// </summary>
    private static Task ClickDayAsync(IRenderedComponent<DagCalendar> page, string day, MouseEventArgs click) =>
        page.InvokeAsync(() => Day(page, day).ClickAsync(click));

    [Fact]
    public async Task Days_show_the_outcome_of_their_runs_and_the_days_the_schedule_expected_without_a_run_as_missing()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());

        var page = await RenderCalendarAsync();

        // d1 and d2 failed, d3 succeeded; 4 January had no run; 5 January has the running manual run (and its own interval is missing).
        Assert.Equal(["failed", "failed", "success", "missing", "running"],
            new[] { "2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2026-01-05" }.Select(d => Day(page, d).GetAttribute("data-outcome")));
        Assert.Equal("2026-01-05 (Mon): 1 run (1 running), 1 missing", Day(page, "2026-01-05").GetAttribute("title"));
        Assert.Equal("2026-01-04 (Sun): 1 missing", Day(page, "2026-01-04").GetAttribute("title"));
        Assert.Equal(365, page.FindAll("[data-cell]").Count);
        Assert.Contains("days in UTC", page.Find("[data-testid='calendar-summary']").TextContent);
        page.Find("[data-testid='calendar-legend']");
    }

    [Fact]
    public async Task Clicking_a_day_with_one_run_opens_that_runs_panel()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        var page = await RenderCalendarAsync();

        await ClickDayAsync(page, "2026-01-03", new MouseEventArgs());

        var navigation = Services.GetRequiredService<NavigationManager>();
        await page.WaitForAssertionAsync(() => Assert.Contains($"run={Uri.EscapeDataString(PipelineDag.Runs["d3"])}", navigation.Uri));
        Assert.Contains("day=2026-01-03", navigation.Uri);

        await page.WaitForAssertionAsync(() => Assert.Equal("success", page.Find("[data-testid='run-state']").GetAttribute("data-state")));
        await page.WaitForAssertionAsync(() => Assert.Contains("selected", page.Find("[data-key='2026-01-03']").ClassList));
    }

    [Fact]
    public async Task A_click_then_a_shift_click_opens_the_backfill_form_with_that_range_and_what_it_holds()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        var page = await RenderCalendarAsync();

        await ClickDayAsync(page, "2026-01-04", new MouseEventArgs());
        // The click opens the day's panel, which re-renders the calendar: shift-click once it has.
        await page.WaitForAssertionAsync(() => Assert.Contains("selected", Day(page, "2026-01-04").ClassList));
        // Not awaited: the click's handler completes when the form it opens closes.
        _ = ClickDayAsync(page, "2026-01-01", new MouseEventArgs { ShiftKey = true });

        await _dialogs.WaitForAssertionAsync(() =>
            Assert.Equal("1 missing, 2 failed, 1 succeeded", _dialogs.Find("[data-testid='backfill-range-states']").TextContent.Replace("In this range:", "").Trim()));
        Assert.Equal("2026-01-01", _dialogs.Find("[data-testid='backfill-from'] input").GetAttribute("value"));
        Assert.Equal("2026-01-04", _dialogs.Find("[data-testid='backfill-to'] input").GetAttribute("value"));
        Assert.Equal(["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"],
            _dialogs.FindAll(".backfill-slots li").Select(li => li.GetAttribute("data-logical-date")));
        Assert.Contains("2026-01-01 (Thu) to 2026-01-04 (Sun) in UTC", _dialogs.Find("[data-testid='backfill-range-note']").TextContent);
    }

    [Fact]
    public async Task Someone_who_may_not_backfill_is_told_why_and_no_form_opens()
    {
        SignInAs(Role.User);
        await PipelineDag.SeedAsync(await UseEngineAsync());
        var page = await RenderCalendarAsync();
        Assert.Contains("Needs the Op role", page.Find("[data-testid='calendar-hint']").TextContent);

        await ClickDayAsync(page, "2026-01-04", new MouseEventArgs());
        // The click opens the day's panel, which re-renders the calendar: shift-click once it has.
        await page.WaitForAssertionAsync(() => Assert.Contains("selected", Day(page, "2026-01-04").ClassList));
        await ClickDayAsync(page, "2026-01-01", new MouseEventArgs { ShiftKey = true });

        await page.WaitForAssertionAsync(() => Assert.Contains("Needs the Op role", page.Find("[data-testid='calendar-note']").TextContent));
        Assert.Empty(_dialogs.FindAll("[data-testid='backfill-dialog']"));
    }

    [Fact]
    public async Task A_manual_only_dag_shows_its_runs_expects_none_and_offers_no_backfill()
    {
        var engine = await UseEngineAsync();
        await engine.AddDagAsync("""
            dag_id: on_demand
            schedule: null
            tasks:
              - {id: only, command: exit 0}
            """, unpause: false);
        await engine.TriggerAsync("on_demand");

        var page = await RenderCalendarAsync("on_demand", year: null);

        Assert.Empty(page.FindAll("[data-outcome='missing']"));
        Assert.Single(page.FindAll("[data-outcome='running'], [data-outcome='queued']"));
        Assert.Contains("A DAG without a schedule has no intervals to backfill.", page.Find("[data-testid='calendar-hint']").TextContent);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("99999")]
    [InlineData("-5")]
    [InlineData("2026&month=0001-02")]
    [InlineData("2026&month=9999-12")]
    public async Task A_year_or_month_no_schedule_can_have_shows_this_year_instead(string year)
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());

        var page = await RenderCalendarAsync(year: year);

        Assert.Equal("2026", page.Find("[data-testid='calendar-period']").TextContent.Trim());
    }

    [Fact]
    public async Task An_unknown_dag_shows_the_same_empty_state_as_other_dag_pages()
    {
        await UseEngineAsync();

        var page = await RenderCalendarAsync("no_such_dag");

        Assert.Contains("There is no DAG “no_such_dag”", page.Markup);
    }
}
