using Dashboard.Core.Queries.Grid;
using Dashboard.Web.Components.Shared;

namespace Dashboard.Web.Components.Grid;

/// <summary>What a cell's tooltip says, worked out when the cell is hovered rather than for every cell drawn.</summary>
public static class GridTooltips
{
    public static string Task(string taskId, GridCellDetail? cell, TimeDisplay times, string? zone, DateTimeOffset now)
    {
        if (cell is null)
        {
            return $"{taskId}\nNo task instance: the task did not exist when this run was created";
        }

        var lines = new List<string> { taskId, $"State: {States.Label(cell.State)}" };
        if (cell.TryNumber > 0)
        {
            lines.Add($"Try: {cell.TryNumber}");
        }

        if (cell.StartDate is { } start)
        {
            lines.Add($"Started: {times.Time(start, zone)}");
            lines.Add(cell.EndDate is { } end ? $"Ended: {times.Time(end, zone)}" : "Still running");
            lines.Add($"Duration: {States.Duration(cell.DurationSeconds(now))}");
        }

        if (cell.HasNote)
        {
            lines.Add("Has a note");
        }

        return string.Join('\n', lines);
    }

    public static string Group(string groupId, GroupState group) =>
        group.Exists
            ? $"{groupId} ({group.Total} task instances)\n" + string.Join('\n', group.Counts().Select(c => $"{States.Label(c.State)}: {c.Count}"))
            : $"{groupId}\nNo task instances in this run";
}
