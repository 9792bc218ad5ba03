using Dashboard.Core.Domain;
using Dashboard.Core.Queries.Calendar;
using Dashboard.Testing;

namespace Dashboard.Tests.Queries;

public sealed class CalendarQueryTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private readonly CalendarQuery _query = new(database.DbFactory, new FixedClock(Now));

    private static DateTimeOffset Utc(int month, int day, int hour = 0) => new(2026, month, day, hour, 0, 0, TimeSpan.Zero);

    private async Task AddDagAsync(string dagId, string? schedule, DateTimeOffset? start, DateTimeOffset? end = null, string timezone = "UTC")
    {
        await using var db = database.CreateContext();
        var dag = await TestData.AddDagAsync(db, dagId, schedule: schedule);
        (dag.StartDate, dag.EndDate, dag.Timezone) = (start, end, timezone);
        await db.SaveChangesAsync();
    }

    private async Task AddRunAsync(string dagId, string runId, DagRunState state, DateTimeOffset? logicalDate, DateTimeOffset? runAfter = null)
    {
        await using var db = database.CreateContext();
        await TestData.AddRunAsync(db, dagId, runId, state, logicalDate is null ? DagRunType.Manual : DagRunType.Scheduled, logicalDate, runAfter);
    }

    private static CalendarCell Day(RunCalendar calendar, int month, int day) =>
        calendar.Cells.Single(c => c.Day == new DateOnly(2026, month, day));

    [Fact]
    public async Task Each_day_takes_the_outcome_of_its_runs_and_days_the_daily_schedule_expected_without_a_run_are_missing()
    {
        await AddDagAsync("cal_daily", "@daily", Utc(3, 1));
        await AddRunAsync("cal_daily", "d1", DagRunState.Success, Utc(3, 1));
        await AddRunAsync("cal_daily", "d2", DagRunState.Failed, Utc(3, 2));
        await AddRunAsync("cal_daily", "d2_manual", DagRunState.Success, null, runAfter: Utc(3, 2, 10));
        await AddRunAsync("cal_daily", "d3", DagRunState.Running, Utc(3, 3));
        await AddRunAsync("cal_daily", "d4", DagRunState.Queued, Utc(3, 4));
        await AddRunAsync("cal_daily", "last_year", DagRunState.Failed, new DateTimeOffset(2025, 12, 31, 0, 0, 0, TimeSpan.Zero));

        var calendar = (await _query.LoadAsync("cal_daily", 2026))!;

        Assert.Equal((CalendarScale.Days, true, null), (calendar.Scale, calendar.Scheduled, calendar.Month));
        Assert.Equal(365, calendar.Cells.Count);
        Assert.Equal(
            [CalendarOutcome.None, CalendarOutcome.Success, CalendarOutcome.Failed, CalendarOutcome.Running, CalendarOutcome.Running, CalendarOutcome.Missing],
            [Day(calendar, 2, 28).Outcome, .. Enumerable.Range(1, 5).Select(d => Day(calendar, 3, d).Outcome)]);
        Assert.Equal((2, 1, 1), (Day(calendar, 3, 2).Runs, Day(calendar, 3, 2).Failed, Day(calendar, 3, 2).Success));
        // The interval of 9 March ended at midnight; 10 March's has not ended yet, so it is not missing.
        Assert.Equal(1, Day(calendar, 3, 9).Missing);
        Assert.Equal(CalendarOutcome.None, Day(calendar, 3, 10).Outcome);
        Assert.Equal(5, calendar.Missing);
        Assert.Equal(5, calendar.Runs);
        Assert.Equal(["d2", "d2_manual"], (await _query.RunsAsync("cal_daily", Day(calendar, 3, 2).Start, Day(calendar, 3, 2).End)).Select(r => r.RunId));
    }

    [Fact]
    public async Task An_hourly_schedule_shows_a_month_of_hours_with_each_expected_hour_without_a_run_missing()
    {
        await AddDagAsync("cal_hourly", "@hourly", Utc(3, 10));
        await AddRunAsync("cal_hourly", "h0", DagRunState.Success, Utc(3, 10, 0));
        await AddRunAsync("cal_hourly", "h1", DagRunState.Failed, Utc(3, 10, 1));

        var calendar = (await _query.LoadAsync("cal_hourly", 2026))!;

        Assert.Equal((CalendarScale.Hours, 3), (calendar.Scale, calendar.Month));
        Assert.Equal(31 * 24, calendar.Cells.Count);
        var tenth = calendar.Cells.Where(c => c.Day == new DateOnly(2026, 3, 10)).ToList();
        Assert.Equal((CalendarOutcome.Success, CalendarOutcome.Failed), (tenth[0].Outcome, tenth[1].Outcome));
        // Hours 2 to 11 have ended without a run; hour 12 is still going on.
        Assert.Equal(Enumerable.Range(2, 10), tenth.Where(c => c.Outcome == CalendarOutcome.Missing).Select(c => c.Hour!.Value));
        Assert.Equal(10, calendar.Missing);
        Assert.Equal("2026-03-10T02", tenth[2].Key);
        Assert.Equal((Utc(3, 10, 2), Utc(3, 10, 3)), (tenth[2].Start, tenth[2].End));

        var february = (await _query.LoadAsync("cal_hourly", 2026, 2))!;
        Assert.Equal((2, 28 * 24, 0), (february.Month, february.Cells.Count, february.Missing));
    }

    [Fact]
    public async Task Days_are_the_dag_time_zone_days_and_an_hour_that_clocks_skip_is_an_empty_cell()
    {
        // Midnight in Amsterdam is 23:00 UTC the day before (winter time).
        await AddDagAsync("cal_zone", "0 0 * * *", new DateTimeOffset(2026, 3, 2, 23, 0, 0, TimeSpan.Zero), timezone: "Europe/Amsterdam");
        await AddRunAsync("cal_zone", "local_5th", DagRunState.Success, new DateTimeOffset(2026, 3, 4, 23, 0, 0, TimeSpan.Zero));
        await AddRunAsync("cal_zone", "manual_half_past_midnight", DagRunState.Failed, null, runAfter: new DateTimeOffset(2026, 3, 5, 23, 30, 0, TimeSpan.Zero));

        var calendar = (await _query.LoadAsync("cal_zone", 2026))!;

        Assert.Equal("Europe/Amsterdam", calendar.Timezone);
        Assert.Equal(CalendarOutcome.Success, Day(calendar, 3, 5).Outcome);
        Assert.Equal(CalendarOutcome.Failed, Day(calendar, 3, 6).Outcome);
        Assert.Equal(CalendarOutcome.Missing, Day(calendar, 3, 4).Outcome);
        Assert.Equal(CalendarOutcome.Missing, Day(calendar, 3, 3).Outcome);
        Assert.Equal(CalendarOutcome.None, Day(calendar, 3, 2).Outcome);
        Assert.Equal(new DateTimeOffset(2026, 3, 4, 23, 0, 0, TimeSpan.Zero), Day(calendar, 3, 5).Start);
        // The day clocks spring forward lasts 23 hours.
        Assert.Equal(TimeSpan.FromHours(23), Day(calendar, 3, 29).End - Day(calendar, 3, 29).Start);

        await AddDagAsync("cal_zone_hourly", "0 * * * *", new DateTimeOffset(2026, 3, 9, 23, 0, 0, TimeSpan.Zero), timezone: "Europe/Amsterdam");
        var hours = (await _query.LoadAsync("cal_zone_hourly", 2026, 3))!;
        var springForward = hours.Cells.Where(c => c.Day == new DateOnly(2026, 3, 29)).ToList();
        Assert.Equal(springForward[2].Start, springForward[2].End);
        // 00:00 to 12:00 UTC is 01:00 to 13:00 in Amsterdam, plus the local midnight hour: 13 hours have ended.
        Assert.Equal(13, hours.Missing);
        Assert.Equal(1, hours.Cells.Single(c => c.Key == "2026-03-10T00").Missing);
        Assert.Equal(0, hours.Cells.Single(c => c.Key == "2026-03-10T13").Missing);
    }

    [Fact]
    public async Task Nothing_is_missing_before_the_start_date_or_after_the_end_date()
    {
        await AddDagAsync("cal_bounded", "@daily", Utc(3, 3), end: Utc(3, 6));

        var calendar = (await _query.LoadAsync("cal_bounded", 2026))!;

        Assert.Equal(
            [new DateOnly(2026, 3, 3), new DateOnly(2026, 3, 4), new DateOnly(2026, 3, 5), new DateOnly(2026, 3, 6)],
            calendar.Cells.Where(c => c.Missing > 0).Select(c => c.Day));
        Assert.Equal(0, (await _query.LoadAsync("cal_bounded", 2025))!.Missing);
    }

    [Fact]
    public async Task A_manual_only_dag_shows_its_runs_and_expects_none()
    {
        await AddDagAsync("cal_manual", null, Utc(1, 1));
        await AddRunAsync("cal_manual", "m1", DagRunState.Success, null, runAfter: Utc(3, 2, 8));

        var calendar = (await _query.LoadAsync("cal_manual", 2026))!;

        Assert.Equal((CalendarScale.Days, false, 0), (calendar.Scale, calendar.Scheduled, calendar.Missing));
        Assert.Equal(CalendarOutcome.Success, Day(calendar, 3, 2).Outcome);
        Assert.Null(await _query.LoadAsync("no_such_dag", 2026));
    }
}
