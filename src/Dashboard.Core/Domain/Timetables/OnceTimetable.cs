namespace Dashboard.Core.Domain.Timetables;

/// <summary><c>@once</c>: a single automatic run at the start date, whatever catchup says.</summary>
internal sealed class OnceTimetable : NonPeriodicTimetable
{
    public const string Schedule = "@once";

    public override string Description => "Once";

    public override DataInterval? NextAutomatedInterval(
        DataInterval? lastAutomated, DateTimeOffset? startDate, DateTimeOffset? endDate, bool catchup, DateTimeOffset now)
    {
        if (lastAutomated is not null || startDate is not { } start || start > endDate)
        {
            return null;
        }

        return DataInterval.At(start);
    }
}
