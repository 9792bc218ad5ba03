using System.Collections.Concurrent;
using System.Text.Json;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Dags;

/// <summary>
/// The models of DAG versions, each read from the database once: a version never changes, so a
/// cached model stays exact. Bounded: past <see cref="MaxVersions"/> it starts over, so a DAG
/// folder edited all day cannot grow it without end.
/// </summary>
public sealed class DagVersionCache
{
    public const int MaxVersions = 512;

    private readonly ConcurrentDictionary<int, DagVersionModel> _models = new();

    /// <summary>The models of these versions, reading only those not seen before, in one round trip.</summary>
    /// <exception cref="InvalidOperationException">A version that does not exist.</exception>
    public async Task<IReadOnlyDictionary<int, DagVersionModel>> GetAsync(DashboardDbContext db, IEnumerable<int> versionIds, CancellationToken ct)
    {
        var models = new Dictionary<int, DagVersionModel>();
        var missing = new List<int>();
        foreach (var version in versionIds.Distinct())
        {
            if (_models.TryGetValue(version, out var model))
            {
                models[version] = model;
            }
            else
            {
                missing.Add(version);
            }
        }

        if (missing.Count > 0)
        {
            foreach (var model in await ReadAsync(db, missing, ct))
            {
                models[model.VersionId] = model;
            }

            if (_models.Count + missing.Count > MaxVersions)
            {
                _models.Clear();
            }

            foreach (var version in missing)
            {
                _models[version] = models.TryGetValue(version, out var model)
                    ? model
                    : throw new InvalidOperationException($"There is no DAG version {version}.");
            }
        }

        return models;
    }

    public async Task<DagVersionModel> GetAsync(DashboardDbContext db, int versionId, CancellationToken ct) =>
        (await GetAsync(db, [versionId], ct))[versionId];

    private static async Task<List<DagVersionModel>> ReadAsync(DashboardDbContext db, List<int> versionIds, CancellationToken ct)
    {
        var versions = await db.QueryAsync(
            "SELECT id, dag_id, version_number, created_at, params FROM dag_version WHERE id = ANY(@versions)",
            r => (Id: r.GetInt32(0), DagId: r.GetString(1), Number: r.GetInt32(2), CreatedAt: r.GetFieldValue<DateTimeOffset>(3),
                Params: DagParams.FromJson(r.GetString(4))),
            ct, P("versions", versionIds.ToArray()));
        var tasks = (await db.QueryAsync("""
                SELECT dag_version_id, task_id, ordinal, kind, command, retries, retry_delay, execution_timeout,
                       depends_on_past, wait_for_downstream, trigger_rule, group_id, upstream_task_ids, env, cross_dag
                FROM dag_task
                WHERE dag_version_id = ANY(@versions)
                """,
                r => (Version: r.GetInt32(0), Task: new VersionTask(
                    r.GetString(1), r.GetInt32(2), SnakeCase.ParseSnakeCase<TaskKind>(r.GetString(3)), r.NullableField<string>(4),
                    r.GetInt32(5), r.GetFieldValue<TimeSpan>(6), r.NullableField<TimeSpan?>(7), r.GetBoolean(8), r.GetBoolean(9),
                    SnakeCase.ParseSnakeCase<TriggerRule>(r.GetString(10)), r.NullableField<string>(11), r.GetFieldValue<string[]>(12), [],
                    JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(13)) ?? [],
                    CrossDagSettings.FromJson(r.NullableField<string>(14)))),
                ct, P("versions", versionIds.ToArray())))
            .ToLookup(t => t.Version, t => t.Task);
        return versions.Select(v => new DagVersionModel(v.Id, v.DagId, v.Number, v.CreatedAt, v.Params, WithDownstream(tasks[v.Id].ToList()))).ToList();
    }

    private static IEnumerable<VersionTask> WithDownstream(List<VersionTask> tasks)
    {
        var downstream = tasks.ToDictionary(t => t.TaskId, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var task in tasks)
        {
            foreach (var upstream in task.Upstream)
            {
                downstream.GetValueOrDefault(upstream)?.Add(task.TaskId);
            }
        }

        return tasks.Select(t => t with { Downstream = downstream[t.TaskId] });
    }
}
