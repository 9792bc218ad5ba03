using Dashboard.Core.Domain;

namespace Dashboard.Core.Dags;

/// <summary>One task of a DAG version, with everything the scheduler, the executor and the pages read of it.</summary>
public sealed record VersionTask(
    string TaskId,
    int Ordinal,
    TaskKind Kind,
    string? Command,
    int Retries,
    TimeSpan RetryDelay,
    TimeSpan? ExecutionTimeout,
    bool DependsOnPast,
    bool WaitForDownstream,
    TriggerRule TriggerRule,
    string? GroupId,
    IReadOnlyList<string> Upstream,
    IReadOnlyList<string> Downstream,
    IReadOnlyDictionary<string, string> Env,
    CrossDagSettings? CrossDag = null);

/// <summary>
/// The tasks of one DAG version: the one model the grid, the selection of Clear and Mark, the
/// scheduler and the executor read. Versions are append-only (a changed DAG file adds one and never
/// edits one), so a model built once stays exact and is shared by everyone (<see cref="DagVersionCache"/>).
/// </summary>
public sealed class DagVersionModel
{
    private readonly Dictionary<string, VersionTask> _byId;

    public DagVersionModel(int versionId, string dagId, int number, DateTimeOffset createdAt, DagParams dagParams, IEnumerable<VersionTask> tasks)
    {
        (VersionId, DagId, Number, CreatedAt, Params) = (versionId, dagId, number, createdAt, dagParams);
        Tasks = tasks.OrderBy(t => t.Ordinal).ToList();
        _byId = Tasks.ToDictionary(t => t.TaskId, StringComparer.Ordinal);
        HasPastDependencies = Tasks.Any(t => t.DependsOnPast);
    }

    public int VersionId { get; }

    public string DagId { get; }

    /// <summary>1, 2, 3… per DAG: what people see as "v3".</summary>
    public int Number { get; }

    /// <summary>When its file was parsed into this version.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>What a run's conf must fit, and the defaults that fill its gaps.</summary>
    public DagParams Params { get; }

    /// <summary>In topological order (upstream first, then file order): the order of the grid's rows and of every list of tasks.</summary>
    public IReadOnlyList<VersionTask> Tasks { get; }

    public bool HasPastDependencies { get; }

    public string Label => $"v{Number}";

    public bool HasTask(string taskId) => _byId.ContainsKey(taskId);

    public VersionTask? Task(string taskId) => _byId.GetValueOrDefault(taskId);

    /// <summary>The tasks of a group and of the groups nested in it, in order; empty when there is no such group.</summary>
    public IEnumerable<string> TasksInGroup(string groupId) =>
        Tasks.Where(t => t.GroupId is { } group && (group == groupId || group.StartsWith(groupId + ".", StringComparison.Ordinal)))
            .Select(t => t.TaskId);

    /// <summary>The given tasks plus, transitively, everything upstream and/or downstream of them (never siblings).</summary>
    public HashSet<string> WithRelatives(IEnumerable<string> taskIds, bool upstream, bool downstream)
    {
        var seeds = taskIds.Where(HasTask).ToList();
        var result = new HashSet<string>(seeds, StringComparer.Ordinal);
        if (upstream)
        {
            result.UnionWith(Reachable(seeds, t => t.Upstream));
        }

        if (downstream)
        {
            result.UnionWith(Reachable(seeds, t => t.Downstream));
        }

        return result;
    }

    /// <summary>What moving a run from <paramref name="from"/> to this version does to its tasks.</summary>
    public VersionChange ChangeFrom(DagVersionModel from) => new(
        from, this,
        Tasks.Where(t => !from.HasTask(t.TaskId)).Select(t => t.TaskId).ToList(),
        from.Tasks.Where(t => !HasTask(t.TaskId)).Select(t => t.TaskId).ToList());

    private HashSet<string> Reachable(IEnumerable<string> from, Func<VersionTask, IReadOnlyList<string>> edges)
    {
        var pending = new Stack<string>(from);
        var reached = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryPop(out var id))
        {
            foreach (var next in edges(_byId[id]))
            {
                if (_byId.ContainsKey(next) && reached.Add(next))
                {
                    pending.Push(next);
                }
            }
        }

        return reached;
    }
}

/// <summary>A run moving from one version to another: the tasks it gains (their instances start with no status) and loses (theirs become removed).</summary>
public sealed record VersionChange(DagVersionModel From, DagVersionModel To, IReadOnlyList<string> Added, IReadOnlyList<string> Removed)
{
    public bool IsMove => From.VersionId != To.VersionId;

    /// <summary>"v3 → v4".</summary>
    public string Label => $"{From.Label} → {To.Label}";
}
