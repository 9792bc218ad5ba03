namespace Dashboard.Core.Domain.Timetables;

/// <summary>No schedule: the DAG runs only when triggered.</summary>
internal sealed class ManualOnlyTimetable : NonPeriodicTimetable
{
    public override string Description => "Manual runs only";

    public override DataInterval? NextAutomatedInterval(
        DataInterval? lastAutomated, DateTimeOffset? startDate, DateTimeOffset? endDate, bool catchup, DateTimeOffset now) => null;
}
