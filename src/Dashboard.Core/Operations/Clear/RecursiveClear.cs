using Dashboard.Core.Dags;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Operations.Versions;
using Dashboard.Core.Queries;

namespace Dashboard.Core.Operations.Clear;

/// <summary>What a clear holds of one DAG: the DAG as its file is now, and the instances selected so far.</summary>
internal sealed class ClearPart(string dagId, int depth, ClearPart? reachedFrom)
{
    private readonly HashSet<long> _ids = [];
    private readonly List<AffectedTaskInstance> _instances = [];

    public string DagId => dagId;

    /// <summary>How many links away from the DAG the clear was asked for.</summary>
    public int Depth => depth;

    public ClearPart? ReachedFrom => reachedFrom;

    public (DagVersionModel? Current, DagFileStatus Status, string? File) Dag { get; set; }

    public bool DagRead { get; set; }

    public IReadOnlyList<AffectedTaskInstance> Instances => _instances;

    /// <summary>The targets links brought here, so a link followed twice selects nothing twice.</summary>
    public HashSet<TaskTarget> LinkedTargets { get; } = [];

    public SortedSet<string> Reasons { get; } = new(StringComparer.Ordinal);

    public bool Holds(long taskInstanceId) => _ids.Contains(taskInstanceId);

    public void Add(IEnumerable<AffectedTaskInstance> instances)
    {
        foreach (var instance in instances.Where(t => _ids.Add(t.Id)))
        {
            _instances.Add(instance);
        }
    }

    /// <summary>The DAGs from the one the clear was asked for to this one: "taxi_pipeline → daily_revenue_report".</summary>
    public string Path() => reachedFrom is null ? dagId : $"{reachedFrom.Path()} → {dagId}";
}

/// <summary>
/// Airflow's recursive clear, with the links Dashboard knows from the DAG files themselves: from the
/// instances a clear selects, it follows every external_task sensor that waits on them (the sensor
/// and its downstream, in the run at the matching logical date) and every run their trigger_dag tasks
/// created (the whole run), then does the same from what those add, until nothing new is reached.
/// Each instance is taken once, so a cycle of links ends where it closes; a chain of more than
/// <see cref="MaxDepth"/> DAGs is refused, as Airflow refuses one deeper than its marker's recursion depth.
/// </summary>
internal sealed class RecursiveClear(
    string rootDagId, Func<ClearPart, IReadOnlyList<TaskTarget>, Relatives, Task<List<AffectedTaskInstance>>> select)
{
    /// <summary>Airflow's ExternalTaskMarker default recursion depth.</summary>
    public const int MaxDepth = 10;

    /// <summary>Downstream of each sensor reached: what its wait held up.</summary>
    private static readonly Relatives Linked = new(Downstream: true);

    private readonly Dictionary<string, ClearPart> _byDag = new(StringComparer.Ordinal);
    private readonly List<ClearPart> _parts = [];
    private List<AffectedTaskInstance> _rootFresh = [];

    /// <summary>The DAG the clear was asked for first, then the others in the order they were reached.</summary>
    public IReadOnlyList<ClearPart> Parts => _parts;

    /// <summary>Selects the clear's own targets in its own DAG.</summary>
    public async Task StartAsync(IReadOnlyList<TaskTarget> targets, Relatives relatives)
    {
        var root = new ClearPart(rootDagId, 0, null);
        _byDag[rootDagId] = root;
        _parts.Add(root);
        _rootFresh = await select(root, targets, relatives);
    }

    /// <param name="dependents">What in other DAGs depends on these instances of a DAG.</param>
    /// <exception cref="OperationRefusedException">The links reach more than <see cref="MaxDepth"/> DAGs deep.</exception>
    public async Task FollowLinksAsync(Func<string, IReadOnlyCollection<AffectedTaskInstance>, Task<List<DependentTarget>>> dependents)
    {
        var pending = new Queue<(ClearPart Part, List<AffectedTaskInstance> Fresh)>();
        pending.Enqueue((_parts[0], _rootFresh));
        while (pending.TryDequeue(out var next))
        {
            var found = await dependents(next.Part.DagId, next.Fresh);
            foreach (var dag in found.GroupBy(d => d.DagId, StringComparer.Ordinal))
            {
                var part = PartFor(dag.Key, next.Part);
                part.Reasons.UnionWith(dag.Select(d => d.Reason));
                var targets = dag.Select(d => d.Target).Where(part.LinkedTargets.Add).ToList();
                if (targets.Count == 0)
                {
                    continue;
                }

                var fresh = await select(part, targets, Linked);
                if (fresh.Count > 0)
                {
                    pending.Enqueue((part, fresh));
                }
            }
        }

        // A DAG reached whose instances were all selected already (or none matched) changes nothing.
        _parts.RemoveAll(p => p.Depth > 0 && p.Instances.Count == 0);
    }

    private ClearPart PartFor(string dagId, ClearPart from)
    {
        if (_byDag.TryGetValue(dagId, out var known))
        {
            return known;
        }

        var part = new ClearPart(dagId, from.Depth + 1, from);
        if (part.Depth > MaxDepth)
        {
            throw new OperationRefusedException(
                $"Recursive clear follows links at most {MaxDepth} DAGs deep, and {part.Path()} goes further. " +
                "Clear from a DAG further along the chain, or turn Recursive off.");
        }

        _byDag[dagId] = part;
        _parts.Add(part);
        return part;
    }
}
