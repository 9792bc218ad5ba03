namespace Dashboard.Web.Components.Dialogs;

/// <summary>
/// A range the Backfill form opens with: logical dates from <paramref name="From"/> to
/// <paramref name="To"/>, both inclusive and exact to the instant, so days of a DAG's own time zone
/// (which rarely start at midnight UTC) are backfilled as they were chosen.
/// </summary>
/// <param name="Description">Says where the range came from, e.g. "The days 2026-03-02 to 2026-03-05 in Europe/Amsterdam, as chosen on the calendar."</param>
public sealed record BackfillRange(DateTimeOffset From, DateTimeOffset To, string Description);
