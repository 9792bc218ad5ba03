using System.Collections.Concurrent;
using Dashboard.Core.Persistence;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Operations.Selection;

/// <summary>The task graphs of DAG versions, read once each: a version's tasks never change.</summary>
public sealed class TaskGraphCache
{
    /// <summary>Past this many versions the cache starts over, so it cannot grow without bound.</summary>
    private const int MaxCachedVersions = 512;

    private readonly ConcurrentDictionary<int, TaskGraph> _graphs = new();

    public async Task<IReadOnlyDictionary<int, TaskGraph>> GetAsync(DashboardDbContext db, IEnumerable<int> versionIds, CancellationToken ct)
    {
        var graphs = new Dictionary<int, TaskGraph>();
        var missing = new List<int>();
        foreach (var version in versionIds.Distinct())
        {
            if (_graphs.TryGetValue(version, out var graph))
            {
                graphs[version] = graph;
            }
            else
            {
                missing.Add(version);
            }
        }

        if (missing.Count > 0)
        {
            var rows = await db.QueryAsync("""
                    SELECT dag_version_id, task_id, group_id, upstream_task_ids
                    FROM dag_task
                    WHERE dag_version_id = ANY(@versions)
                    ORDER BY dag_version_id, ordinal
                    """,
                r => (Version: r.GetInt32(0), TaskId: r.GetString(1), GroupId: r.NullableField<string>(2),
                    Upstream: (IReadOnlyList<string>)r.GetFieldValue<string[]>(3)),
                ct, P("versions", missing.ToArray()));
            if (_graphs.Count + missing.Count > MaxCachedVersions)
            {
                _graphs.Clear();
            }

            var byVersion = rows.ToLookup(r => r.Version);
            foreach (var version in missing)
            {
                graphs[version] = _graphs[version] = new TaskGraph(byVersion[version].Select(r => (r.TaskId, r.GroupId, r.Upstream)));
            }
        }

        return graphs;
    }
}
