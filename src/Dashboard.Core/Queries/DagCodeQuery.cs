using Dashboard.Core.Persistence;
using DiffPlex.Chunkers;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Queries;

/// <summary>A stored version of a DAG, as the Code tab's picker lists it.</summary>
public sealed record DagVersionSummary(int Id, int Number, DateTimeOffset CreatedAt, string? FileLocation, bool HasSource, int Runs);

public enum DiffLineKind
{
    Unchanged,
    Added,
    Removed,
}

/// <summary>One line of a diff between two versions' files, with its number in the old and the new file.</summary>
public sealed record DiffLine(DiffLineKind Kind, int? OldNumber, int? NewNumber, string Text);

/// <summary>The DAG files of a DAG's stored versions, for the Code tab: the versions, one's text, and a line diff of two.</summary>
public sealed class DagCodeQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    /// <summary>Newest first, with how many runs are on each.</summary>
    public async Task<IReadOnlyList<DagVersionSummary>> VersionsAsync(string dagId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.DagVersions.AsNoTracking()
            .Where(v => v.DagId == dagId)
            .OrderByDescending(v => v.VersionNumber)
            .Select(v => new DagVersionSummary(v.Id, v.VersionNumber, v.CreatedAt, v.FileLocation, v.Source != null,
                db.DagRuns.Count(r => r.DagVersionId == v.Id)))
            .ToListAsync(ct);
    }

    /// <summary>The file's text as version <paramref name="number"/> was parsed from it; null when there is no such version or it predates stored sources.</summary>
    public async Task<string?> SourceAsync(string dagId, int number, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.DagVersions.AsNoTracking()
            .Where(v => v.DagId == dagId && v.VersionNumber == number)
            .Select(v => v.Source)
            .SingleOrDefaultAsync(ct);
    }

    /// <summary>A line diff from <paramref name="oldText"/> to <paramref name="newText"/>, every line included.</summary>
    public static IReadOnlyList<DiffLine> Diff(string oldText, string newText)
    {
        var model = InlineDiffBuilder.Diff(oldText, newText, ignoreWhiteSpace: false, ignoreCase: false, new LineChunker());
        var (oldNumber, newNumber) = (0, 0);
        var lines = new List<DiffLine>(model.Lines.Count);
        foreach (var line in model.Lines)
        {
            lines.Add(line.Type switch
            {
                ChangeType.Inserted => new DiffLine(DiffLineKind.Added, null, ++newNumber, line.Text),
                ChangeType.Deleted => new DiffLine(DiffLineKind.Removed, ++oldNumber, null, line.Text),
                _ => new DiffLine(DiffLineKind.Unchanged, ++oldNumber, ++newNumber, line.Text),
            });
        }

        return lines;
    }
}
