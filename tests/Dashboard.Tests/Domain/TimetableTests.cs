using System.Globalization;
using Dashboard.Core.Domain.Timetables;

namespace Dashboard.Tests.Domain;

public sealed class TimetableTests
{
    private static readonly DateTimeOffset Now = At("2026-11-21T10:00");
    private static readonly DateTimeOffset TaxiStart = At("2024-01-01");

    [Fact]
    public void Without_catchup_the_first_interval_is_the_latest_one_that_has_ended()
    {
        var next = Timetable.For("@monthly", "UTC").NextAutomatedInterval(null, TaxiStart, null, catchup: false, Now);

        Assert.Equal(Interval("2026-10-01", "2026-11-01"), next);
    }

    [Fact]
    public void With_catchup_the_first_interval_starts_at_the_start_date()
    {
        var next = Timetable.For("@monthly", "UTC").NextAutomatedInterval(null, TaxiStart, null, catchup: true, Now);

        Assert.Equal(Interval("2024-01-01", "2024-02-01"), next);
    }

    [Fact]
    public void With_catchup_each_interval_follows_the_last_automated_one()
    {
        var last = Interval("2024-01-01", "2024-02-01");

        var next = Timetable.For("@monthly", "UTC").NextAutomatedInterval(last, TaxiStart, null, catchup: true, Now);

        Assert.Equal(Interval("2024-02-01", "2024-03-01"), next);
    }

    [Fact]
    public void Without_catchup_a_lagging_dag_skips_to_the_latest_ended_interval()
    {
        var last = Interval("2024-01-01", "2024-01-02");

        var next = Timetable.For("@daily", "UTC").NextAutomatedInterval(last, TaxiStart, null, catchup: false, At("2024-01-10T10:00"));

        Assert.Equal(Interval("2024-01-09", "2024-01-10"), next);
    }

    [Fact]
    public void Without_catchup_an_up_to_date_dag_gets_the_running_interval_which_has_not_ended_yet()
    {
        var last = Interval("2024-01-09", "2024-01-10");

        var next = Timetable.For("@daily", "UTC").NextAutomatedInterval(last, TaxiStart, null, catchup: false, At("2024-01-10T10:00"));

        Assert.Equal(Interval("2024-01-10", "2024-01-11"), next);
    }

    [Fact]
    public void Without_catchup_an_interval_ending_exactly_now_counts_as_ended()
    {
        var next = Timetable.For("@monthly", "UTC").NextAutomatedInterval(null, TaxiStart, null, catchup: false, At("2026-11-01"));

        Assert.Equal(Interval("2026-10-01", "2026-11-01"), next);
    }

    [Theory]
    [InlineData("2026-11-22T05:00", true, "2026-11-22T05:00")]
    [InlineData("2026-11-22T05:00", false, "2026-11-22T05:00")]
    [InlineData("2026-11-22T05:30", false, "2026-11-22T06:00")]
    [InlineData("2026-11-21T09:30", false, "2026-11-21T10:00")]
    public void A_start_date_in_the_future_or_after_the_latest_ended_interval_is_aligned_up_and_waited_for(
        string startDate, bool catchup, string expectedStart)
    {
        var next = Timetable.For("@hourly", "UTC").NextAutomatedInterval(null, At(startDate), null, catchup, Now);

        Assert.Equal(At(expectedStart), next?.Start);
        Assert.Equal(At(expectedStart).AddHours(1), next?.End);
    }

    [Fact]
    public void A_start_date_moved_past_the_last_run_wins_over_following_it()
    {
        var last = Interval("2024-01-01", "2024-02-01");

        var next = Timetable.For("@monthly", "UTC").NextAutomatedInterval(last, At("2024-06-15"), null, catchup: true, Now);

        Assert.Equal(Interval("2024-07-01", "2024-08-01"), next);
    }

    [Fact]
    public void Without_a_start_date_scheduling_starts_at_the_next_boundary_from_now()
    {
        var next = Timetable.For("@daily", "UTC").NextAutomatedInterval(null, null, null, catchup: true, At("2024-01-10T10:00"));

        Assert.Equal(Interval("2024-01-11", "2024-01-12"), next);
    }

    [Fact]
    public void A_schedule_change_realigns_the_next_interval_to_the_new_boundaries()
    {
        var underOldSchedule = Interval("2024-01-04T06:00", "2024-01-05T06:00");

        var next = Timetable.For("@daily", "UTC").NextAutomatedInterval(underOldSchedule, TaxiStart, null, catchup: true, Now);

        Assert.Equal(Interval("2024-01-05", "2024-01-06"), next);
    }

    [Theory]
    [InlineData("2024-03-15", null)]
    [InlineData("2024-04-01", "2024-04-01")]
    public void Nothing_starts_after_the_end_date(string endDate, string? expectedStart)
    {
        var last = Interval("2024-03-01", "2024-04-01");

        var next = Timetable.For("@monthly", "UTC").NextAutomatedInterval(last, TaxiStart, At(endDate), catchup: true, Now);

        Assert.Equal(expectedStart is null ? null : At(expectedStart), next?.Start);
    }

    [Theory]
    [InlineData("@hourly", "2024-05-15T10:00", "2024-05-15T11:00")]
    [InlineData("@daily", "2024-05-15", "2024-05-16")]
    [InlineData("@weekly", "2024-05-12", "2024-05-19")]
    [InlineData("@monthly", "2024-05-01", "2024-06-01")]
    [InlineData("@yearly", "2024-01-01", "2025-01-01")]
    [InlineData("*/15 9-17 * * 1-5", "2024-05-15T10:30", "2024-05-15T10:45")]
    public void A_manual_run_covers_the_interval_that_starts_at_or_before_its_logical_date(string schedule, string start, string end)
    {
        var interval = Timetable.For(schedule, "UTC").InferManualInterval(At("2024-05-15T10:30"));

        Assert.Equal(Interval(start, end), interval);
    }

    [Fact]
    public void A_manual_run_on_a_boundary_covers_the_interval_starting_there()
    {
        var interval = Timetable.For("@daily", "UTC").InferManualInterval(At("2024-03-15"));

        Assert.Equal(Interval("2024-03-15", "2024-03-16"), interval);
    }

    [Fact]
    public void Following_gives_the_next_interval_of_a_periodic_schedule()
    {
        var following = Timetable.For("@daily", "UTC").Following(Interval("2024-03-15", "2024-03-16"));

        Assert.Equal(Interval("2024-03-16", "2024-03-17"), following);
    }

    [Fact]
    public void Daily_in_berlin_starts_at_local_midnight_and_lasts_23_hours_on_the_spring_forward_day()
    {
        var timetable = Timetable.For("@daily", "Europe/Berlin");

        var intervals = timetable.CompletedIntervalsBetween(At("2026-03-28"), At("2026-03-30"), null, null, Now).ToList();

        Assert.Equal(
            [
                Interval("2026-03-28T23:00", "2026-03-29T22:00"),
                Interval("2026-03-29T22:00", "2026-03-30T22:00"),
            ],
            intervals);
        Assert.Equal(TimeSpan.FromHours(23), intervals[0].End - intervals[0].Start);
        Assert.All(intervals, i => Assert.Equal(TimeSpan.Zero, i.Start.Offset));
    }

    [Fact]
    public void Daily_in_berlin_lasts_25_hours_on_the_fall_back_day()
    {
        var interval = Timetable.For("@daily", "Europe/Berlin").InferManualInterval(At("2026-10-25T12:00"));

        Assert.Equal(Interval("2026-10-24T22:00", "2026-10-25T23:00"), interval);
    }

    [Fact]
    public void A_local_time_skipped_by_spring_forward_becomes_the_moment_clocks_jump()
    {
        var timetable = Timetable.For("30 2 * * *", "Europe/Berlin");

        var skipped = timetable.Following(Interval("2026-03-27T01:30", "2026-03-28T01:30"));

        // 02:30 does not exist on 29 March in Berlin; clocks jump from 02:00 CET to 03:00 CEST at 01:00 UTC.
        Assert.Equal(Interval("2026-03-28T01:30", "2026-03-29T01:00"), skipped);
        Assert.Equal(Interval("2026-03-29T01:00", "2026-03-30T00:30"), timetable.Following(skipped!.Value));
    }

    [Fact]
    public void A_local_time_repeated_by_fall_back_takes_its_first_occurrence()
    {
        var timetable = Timetable.For("30 2 * * *", "Europe/Berlin");

        var repeated = timetable.Following(Interval("2026-10-23T00:30", "2026-10-24T00:30"));

        // 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET) on 25 October in Berlin.
        Assert.Equal(Interval("2026-10-24T00:30", "2026-10-25T00:30"), repeated);
        Assert.Equal(Interval("2026-10-25T00:30", "2026-10-26T01:30"), timetable.Following(repeated!.Value));
    }

    [Fact]
    public void Hourly_in_berlin_spans_the_repeated_hour_in_one_interval_when_clocks_go_back()
    {
        var following = Timetable.For("@hourly", "Europe/Berlin").Following(Interval("2026-10-24T23:00", "2026-10-25T00:00"));

        // 02:00 local is taken at its first showing (00:00 UTC); the next local hour is 03:00 CET, 02:00 UTC.
        Assert.Equal(Interval("2026-10-25T00:00", "2026-10-25T02:00"), following);
    }

    [Fact]
    public void An_interval_expression_fires_once_in_the_repeated_hour_when_clocks_go_back()
    {
        var timetable = Timetable.For("*/20 * * * *", "Europe/Berlin");

        var starts = timetable.CompletedIntervalsBetween(At("2026-10-24T23:30"), At("2026-10-25T02:00"), null, null, Now).Select(i => i.Start);

        // 02:00, 02:20 and 02:40 local come round twice (00:00 and 01:00 UTC); each is taken at its first showing.
        Assert.Equal(["2026-10-24T23:40", "2026-10-25T00:00", "2026-10-25T00:20", "2026-10-25T00:40", "2026-10-25T02:00"], starts.Select(s => $"{s:yyyy-MM-dd'T'HH:mm}"));
    }

    [Theory]
    [InlineData("@hourly", "Europe/Berlin", "2026-03-28T20:00", "2026-03-29T06:00")]
    [InlineData("@hourly", "Europe/Berlin", "2026-10-24T20:00", "2026-10-25T06:00")]
    [InlineData("*/20 * * * *", "Europe/Berlin", "2026-10-24T22:00", "2026-10-25T04:00")]
    [InlineData("30 2 * * *", "Europe/Berlin", "2026-03-27T00:00", "2026-03-31T00:00")]
    [InlineData("30 2 * * *", "Europe/Berlin", "2026-10-23T00:00", "2026-10-27T00:00")]
    [InlineData("15,45 1-3 * * *", "America/New_York", "2026-11-01T00:00", "2026-11-02T12:00")]
    [InlineData("0 2 * * *", "Australia/Lord_Howe", "2026-04-03T00:00", "2026-04-07T00:00")]
    [InlineData("@daily", "America/Santiago", "2026-09-04T00:00", "2026-09-08T00:00")]
    public void Around_dst_changes_searching_backwards_finds_the_boundaries_searching_forwards_gives(string schedule, string zone, string from, string to)
    {
        var timetable = Timetable.For(schedule, zone);

        for (var moment = At(from); moment < At(to); moment += TimeSpan.FromMinutes(7))
        {
            var interval = timetable.InferManualInterval(moment);

            Assert.True(interval.Start <= moment && moment < interval.End, $"{interval} does not hold {moment:O}");
            Assert.Equal(interval.End, timetable.Following(interval)!.Value.Start);
            Assert.Equal(interval, timetable.Following(timetable.InferManualInterval(interval.Start.AddTicks(-1))));
        }
    }

    [Fact]
    public void Dates_beyond_what_a_timetable_computes_give_no_interval_instead_of_throwing()
    {
        var timetable = Timetable.For("@monthly", "Asia/Tokyo");

        Assert.Null(timetable.NextAutomatedInterval(null, DateTimeOffset.MinValue, null, catchup: true, Now));
        Assert.Null(timetable.NextAutomatedInterval(null, DateTimeOffset.MaxValue, null, catchup: false, Now));
        Assert.Null(timetable.NextAutomatedInterval(new DataInterval(DateTimeOffset.MinValue, DateTimeOffset.MinValue), TaxiStart, null, catchup: true, Now));
        Assert.Null(timetable.Following(new DataInterval(DateTimeOffset.MaxValue, DateTimeOffset.MaxValue)));
        Assert.Empty(timetable.CompletedIntervalsBetween(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, DateTimeOffset.MinValue, null, Now));
        Assert.Throws<ArgumentOutOfRangeException>(() => timetable.InferManualInterval(DateTimeOffset.MaxValue));
        Assert.Equal(Interval("2199-12-31T15:00", "2200-01-31T15:00"), timetable.InferManualInterval(At("2200-01-15")));
        Assert.Equal(Interval("1899-12-31T15:00", "1900-01-31T15:00"), timetable.InferManualInterval(At("1900-01-15")));
    }

    [Theory]
    [InlineData("2024-01-01T06:00", "2024-01-04T12:00", null, null, "2025-01-01", "2024-01-02,2024-01-03,2024-01-04")]
    [InlineData("2024-01-01", "2024-01-03", null, null, "2025-01-01", "2024-01-01,2024-01-02,2024-01-03")]
    [InlineData("2024-01-01", "2024-01-10", null, null, "2024-01-05T10:00", "2024-01-01,2024-01-02,2024-01-03,2024-01-04")]
    [InlineData("2024-01-01", "2024-01-10", "2024-01-02T12:00", "2024-01-05T12:00", "2025-01-01", "2024-01-03,2024-01-04,2024-01-05")]
    [InlineData("2024-01-01", "2024-01-10", null, "2024-01-02", "2025-01-01", "2024-01-01,2024-01-02")]
    [InlineData("2024-01-05", "2024-01-01", null, null, "2025-01-01", "")]
    [InlineData("2024-01-01T06:00", "2024-01-01T18:00", null, null, "2025-01-01", "")]
    public void Completed_intervals_between_start_within_the_range_and_the_dates_and_have_ended(
        string from, string to, string? startDate, string? endDate, string now, string expectedStarts)
    {
        var intervals = Timetable.For("@daily", "UTC")
            .CompletedIntervalsBetween(At(from), At(to), OptionalAt(startDate), OptionalAt(endDate), At(now));

        var expected = expectedStarts.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => new DataInterval(At(s), At(s).AddDays(1)));
        Assert.Equal(expected, intervals);
    }

    [Fact]
    public void Once_runs_a_single_time_at_the_start_date_whatever_catchup_says()
    {
        var timetable = Timetable.For("@once", "UTC");

        var first = timetable.NextAutomatedInterval(null, At("2030-01-01"), null, catchup: false, Now);

        Assert.Equal(Interval("2030-01-01", "2030-01-01"), first);
        Assert.Null(timetable.NextAutomatedInterval(first, At("2030-01-01"), null, catchup: false, Now));
    }

    [Fact]
    public void Once_without_a_start_date_or_with_it_past_the_end_date_never_runs()
    {
        var timetable = Timetable.For("@once", "UTC");

        Assert.Null(timetable.NextAutomatedInterval(null, null, null, catchup: true, Now));
        Assert.Null(timetable.NextAutomatedInterval(null, At("2024-02-01"), At("2024-01-01"), catchup: true, Now));
    }

    [Theory]
    [InlineData("@once")]
    [InlineData(null)]
    public void Non_periodic_timetables_cover_only_the_logical_date_and_have_nothing_to_follow_or_backfill(string? schedule)
    {
        var timetable = Timetable.For(schedule, "Europe/Berlin");
        var logicalDate = new DateTimeOffset(2024, 5, 15, 12, 30, 0, TimeSpan.FromHours(2));

        var manual = timetable.InferManualInterval(logicalDate);

        Assert.Equal(Interval("2024-05-15T10:30", "2024-05-15T10:30"), manual);
        Assert.Equal(TimeSpan.Zero, manual.Start.Offset);
        Assert.Null(timetable.Following(manual));
        Assert.Empty(timetable.CompletedIntervalsBetween(At("2024-01-01"), At("2024-12-31"), TaxiStart, null, Now));
    }

    [Fact]
    public void Manual_only_never_schedules_anything()
    {
        var next = Timetable.For(null, "UTC").NextAutomatedInterval(null, TaxiStart, null, catchup: true, Now);

        Assert.Null(next);
    }

    [Theory]
    [InlineData("@daily", true, "@daily (cron 0 0 * * *) in Europe/Berlin")]
    [InlineData("5 4 * * 1", true, "cron 5 4 * * 1 in Europe/Berlin")]
    [InlineData("@once", false, "Once")]
    [InlineData(null, false, "Manual runs only")]
    public void Each_schedule_says_whether_it_repeats_and_describes_itself(string? schedule, bool periodic, string description)
    {
        var timetable = Timetable.For(schedule, "Europe/Berlin");

        Assert.Equal((periodic, description), (timetable.IsPeriodic, timetable.Description));
    }

    [Theory]
    [InlineData("61 * * * *", "'61 * * * *' is not a valid cron expression")]
    [InlineData("0 0 * *", "'0 0 * *' is not a valid cron expression")]
    [InlineData("every day", "'every day' is not a valid cron expression")]
    [InlineData("", "'' is not a valid cron expression")]
    [InlineData("@fortnightly", "unknown schedule preset '@fortnightly'")]
    [InlineData("0 0 30 2 *", "cron expression '0 0 30 2 *' never fires")]
    public void An_invalid_schedule_is_refused_with_a_clear_message(string schedule, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => Timetable.For(schedule, "UTC"));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_time_zone_is_refused_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentException>(() => Timetable.For("@daily", "Mars/Olympus_Mons"));

        Assert.Contains("unknown time zone 'Mars/Olympus_Mons'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("@monthly", "UTC", "2026-11-21T10:00", "2026-10-01", "2026-11-01")]
    [InlineData("@daily", "UTC", "2026-11-21T10:00", "2026-11-20", "2026-11-21")]
    [InlineData("@monthly", "UTC", "2026-11-01", "2026-10-01", "2026-11-01")] // ending exactly now counts as complete
    [InlineData("@daily", "Europe/Amsterdam", "2026-11-21T10:00", "2026-11-19T23:00", "2026-11-20T23:00")]
    public void The_latest_completed_interval_is_the_one_a_scheduler_without_catchup_runs_now(
        string schedule, string timezone, string now, string start, string end)
    {
        Assert.Equal(Interval(start, end), Timetable.For(schedule, timezone).LatestCompletedInterval(TaxiStart, null, At(now)));
    }

    [Theory]
    [InlineData(null, "2024-01-01", null)]              // manual only
    [InlineData("@once", "2024-01-01", null)]
    [InlineData("@monthly", "2026-12-01", null)]        // starts after now: no interval has ended
    [InlineData("@monthly", "2024-01-01", "2025-06-30")] // ended before now
    public void Without_a_period_or_an_ended_interval_in_its_dates_there_is_no_latest_completed_interval(string? schedule, string startDate, string? endDate)
    {
        Assert.Null(Timetable.For(schedule, "UTC").LatestCompletedInterval(At(startDate), OptionalAt(endDate), Now));
    }

    private static DateTimeOffset At(string utc) =>
        DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static DateTimeOffset? OptionalAt(string? utc) => utc is null ? null : At(utc);

    private static DataInterval Interval(string start, string end) => new(At(start), At(end));
}
