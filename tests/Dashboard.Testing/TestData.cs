using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;

namespace Dashboard.Testing;

/// <summary>Rows tests need, with sensible defaults; each test names only what it cares about.</summary>
public static class TestData
{
    public static async Task<Dag> AddDagAsync(
        DashboardDbContext db, string dagId, bool paused = true, string? schedule = "@daily", string[]? tags = null, string? description = null)
    {
        var dag = new Dag
        {
            DagId = dagId,
            Description = description,
            Schedule = schedule,
            IsPaused = paused,
            Tags = [.. tags ?? []],
            StartDate = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
            LastParsedAt = DateTimeOffset.UtcNow,
            FileLocation = $"dags/{dagId}.yaml",
        };
        db.Dags.Add(dag);
        await db.SaveChangesAsync();
        return dag;
    }
}
