using Dashboard.Core.Operations.Versions;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;

namespace Dashboard.Core.Operations.Selection;

/// <summary>
/// What every Clear and Mark preview has: the task instances it would change, the runs it would move
/// to another DAG version, and why it cannot go ahead, if it cannot.
/// </summary>
public interface IActionPreview
{
    IReadOnlyList<AffectedTaskInstance> Affected { get; }

    /// <summary>Marks never move runs: <see cref="RerunVersions.None"/>.</summary>
    RerunVersions Versions => RerunVersions.None;

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
            EnsureSameVersions(confirmed.Versions, current.Versions);
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
            .Where(t => !was.TryGetValue(t.Id, out var before) || before.Expected != t.Expected)
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

    /// <exception cref="PreviewOutdatedException">The DAG's file changed since the preview, or a run changed version.</exception>
    private static void EnsureSameVersions(RerunVersions confirmed, RerunVersions current)
    {
        if (confirmed.SameAs(current))
        {
            return;
        }

        var why = confirmed.Current?.VersionId != current.Current?.VersionId
            ? $"the DAG file changed: the current version is now {current.Current?.Label ?? "none"}, not {confirmed.Current?.Label ?? "none"}"
            : "the runs to move to the current version are not the same any more";
        throw new PreviewOutdatedException($"Nothing was changed, because {why}. Check the new list and confirm again.");
    }

    /// <summary>Moves the preview's runs to the current version; all of them, or the action starts over.</summary>
    /// <exception cref="SelectionMovedException">A run changed version between its selection and its move.</exception>
    public static async Task MoveRunsAsync(DashboardDbContext db, string dagId, RerunVersions versions, DateTimeOffset now, CancellationToken ct)
    {
        if (versions.Moves.Count == 0 || versions.Current is not { } current)
        {
            return;
        }

        var moved = await DagRunTransitions.MoveToVersionAsync(
            db, dagId, [.. versions.Moves.Select(m => (m.DagRunId, m.FromVersionId))], current.VersionId, now, ct);
        if (moved != versions.Moves.Count)
        {
            throw new SelectionMovedException(
                $"Nothing was changed, because {versions.Moves.Count - moved} of the runs changed version while the change was being applied. Check the new list and confirm again.");
        }
    }

    /// <summary>The version moves as the audit row records them.</summary>
    public static object AuditVersions(RerunVersions versions) => new
    {
        current = versions.Current?.Number,
        moved = versions.Moves.Select(m => new { run_id = m.RunId, from = m.Change.From.Number, to = m.Change.To.Number, added = m.Change.Added, removed = m.Change.Removed }),
        kept = versions.KeepVersions ? versions.Behind.Select(m => new { run_id = m.RunId, version = m.Change.From.Number }) : null,
    };

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
