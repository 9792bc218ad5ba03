using Dashboard.Web.Components.Shared;

namespace Dashboard.Web.Tests.Components;

/// <summary>Times in UTC, or in the DAG's zone with the offset, so the hour a DST change repeats never shows two moments alike.</summary>
public sealed class TimeDisplayTests
{
    private const string Amsterdam = "Europe/Amsterdam";
    private const string NewYork = "America/New_York";

    private static DateTimeOffset Utc(int month, int day, int hour, int minute) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void In_utc_a_dags_zone_changes_nothing_and_no_offset_is_shown()
    {
        Assert.Equal("2026-03-29 01:30:00", TimeDisplay.Utc.Time(Utc(3, 29, 1, 30), Amsterdam));
        Assert.Equal("2026-03-29 01:30", TimeDisplay.Utc.Minute(Utc(3, 29, 1, 30), Amsterdam));
        Assert.Equal("2026-01-01 07:00:00", TimeDisplay.Utc.Time(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.FromHours(5))));
        Assert.Equal("UTC", TimeDisplay.Utc.ZoneName(Amsterdam));
        Assert.Equal("", TimeDisplay.Utc.Time(null, Amsterdam));
    }

    [Fact]
    public void Amsterdam_springs_forward_at_one_utc_on_the_last_sunday_of_march()
    {
        Assert.Equal("2026-03-29 01:30:00 +01:00", TimeDisplay.DagZone.Time(Utc(3, 29, 0, 30), Amsterdam));
        Assert.Equal("2026-03-29 03:30:00 +02:00", TimeDisplay.DagZone.Time(Utc(3, 29, 1, 30), Amsterdam));
        Assert.Equal(Amsterdam, TimeDisplay.DagZone.ZoneName(Amsterdam));
    }

    [Fact]
    public void The_hour_amsterdam_repeats_in_october_shows_twice_with_different_offsets()
    {
        var first = TimeDisplay.DagZone.Time(Utc(10, 25, 0, 30), Amsterdam);
        var second = TimeDisplay.DagZone.Time(Utc(10, 25, 1, 30), Amsterdam);

        Assert.Equal(("2026-10-25 02:30:00 +02:00", "2026-10-25 02:30:00 +01:00"), (first, second));
        Assert.Equal("02:30:00.123", TimeDisplay.DagZone.TimeOfDay(Utc(10, 25, 1, 30).AddMilliseconds(123), Amsterdam));
    }

    [Fact]
    public void New_york_springs_forward_at_seven_utc_on_the_second_sunday_of_march()
    {
        Assert.Equal("2026-03-08 01:30 -05:00", TimeDisplay.DagZone.Minute(Utc(3, 8, 6, 30), NewYork));
        Assert.Equal("2026-03-08 03:30 -04:00", TimeDisplay.DagZone.Minute(Utc(3, 8, 7, 30), NewYork));
    }

    [Fact]
    public void A_date_is_the_day_alone_at_local_midnight_whichever_offset_that_midnight_has()
    {
        Assert.Equal("2026-03-29", TimeDisplay.DagZone.Date(Utc(3, 28, 23, 0), Amsterdam)); // midnight at +01:00
        Assert.Equal("2026-03-30", TimeDisplay.DagZone.Date(Utc(3, 29, 22, 0), Amsterdam)); // midnight at +02:00
        Assert.Equal("2026-03-29 22:00", TimeDisplay.Utc.Date(Utc(3, 29, 22, 0), Amsterdam));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("UTC")]
    [InlineData("Etc/UTC")]
    [InlineData("Mars/Olympus_Mons")]
    public void A_dag_without_a_zone_other_than_utc_or_with_one_this_machine_does_not_know_shows_utc(string? zone)
    {
        Assert.Equal("2026-03-29 01:30:00", TimeDisplay.DagZone.Time(Utc(3, 29, 1, 30), zone));
        Assert.Equal("UTC", TimeDisplay.DagZone.ZoneName(zone));
    }
}
