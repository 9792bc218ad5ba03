namespace Dashboard.Core.Domain.Timetables;

/// <summary>A timetable without a period: a manual run covers just its logical date and nothing is backfilled.</summary>
internal abstract class NonPeriodicTimetable : Timetable
{
    public sealed override bool IsPeriodic => false;

    public sealed override DataInterval InferManualInterval(DateTimeOffset logicalDate) => DataInterval.At(logicalDate);

    public sealed override DataInterval? Following(DataInterval interval) => null;

    public sealed override IEnumerable<DataInterval> CompletedIntervalsBetween(
        DateTimeOffset from, DateTimeOffset to, DateTimeOffset? startDate, DateTimeOffset? endDate, DateTimeOffset now) => [];
}
