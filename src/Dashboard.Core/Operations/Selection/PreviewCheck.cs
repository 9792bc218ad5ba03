namespace Dashboard.Core.Operations.Selection;

/// <summary>What every Clear and Mark preview has: the task instances it would change, and why it cannot go ahead, if it cannot.</summary>
public interface IActionPreview
{
    IReadOnlyList<AffectedTaskInstance> Affected { get; }

    string? Blocker { get; }
}

/// <summary>The checks that make a confirmed preview binding: it is applied exactly, or not at all.</summary>
internal static class PreviewCheck
{
    /// <summary>The selection taken under the locks may be applied: it is what was confirmed (when something was) and nothing blocks it.</summary>
    /// <exception cref="PreviewOutdatedException">The selection is no longer what was confirmed.</exception>
    /// <exception cref="OperationRefusedException">The action cannot go ahead as asked.</exception>
    public static void EnsureApplicable(IActionPreview? confirmed, IActionPreview current)
    {
        if (confirmed is not null)
        {
            EnsureUnchanged(confirmed.Affected, current.Affected);
        }

        if (current.Blocker is { } blocker)
        {
            throw new OperationRefusedException(blocker);
        }
    }

    /// <exception cref="PreviewOutdatedException">The selection is no longer what was previewed.</exception>
    private static void EnsureUnchanged(IReadOnlyList<AffectedTaskInstance> confirmed, IReadOnlyList<AffectedTaskInstance> current)
    {
        var was = confirmed.ToDictionary(t => t.Id);
        var changes = current
            .Where(t => !was.TryGetValue(t.Id, out var before) || before.Version != t.Version)
            .Select(t => was.TryGetValue(t.Id, out var before)
                ? $"{t.TaskId} in {t.RunId} is now {Describe(t)}{(before.State == t.State ? $" (try {t.TryNumber})" : "")}"
                : $"{t.TaskId} in {t.RunId} is now {Describe(t)} and joins the selection")
            .ToList();
        var currentIds = current.Select(t => t.Id).ToHashSet();
        changes.AddRange(confirmed.Where(t => !currentIds.Contains(t.Id)).Select(t => $"{t.TaskId} in {t.RunId} left the selection"));
        if (changes.Count > 0)
        {
            var shown = string.Join("; ", changes.Take(3)) + (changes.Count > 3 ? $"; and {changes.Count - 3} more" : "");
            throw new PreviewOutdatedException($"Nothing was changed, because the task instances moved since the preview: {shown}. Check the new list and confirm again.");
        }
    }

    /// <exception cref="SelectionMovedException">Fewer rows moved than were selected: something changed in between.</exception>
    public static void EnsureAllMoved(int moved, int selected)
    {
        if (moved != selected)
        {
            throw new SelectionMovedException(
                $"Nothing was changed, because {selected - moved} of the {selected} task instances moved on while the change was being applied. Check the new list and confirm again.");
        }
    }

    private static string Describe(AffectedTaskInstance t) => t.State is { } state ? Persistence.SnakeCase.ToSnakeCase(state) : "no status";
}
