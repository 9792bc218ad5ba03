namespace Dashboard.Core.Operations.Selection;

/// <summary>
/// One DAG version's tasks as a graph, for expanding a selection to its relatives. Versions never
/// change, so a graph is built once per version and shared.
/// </summary>
public sealed class TaskGraph
{
    private readonly Dictionary<string, List<string>> _upstream;
    private readonly Dictionary<string, List<string>> _downstream;
    private readonly Dictionary<string, string?> _groupOf;

    /// <param name="tasks">Every task of the version: its id, its group path (or null) and its upstream task ids.</param>
    public TaskGraph(IEnumerable<(string TaskId, string? GroupId, IReadOnlyList<string> Upstream)> tasks)
    {
        var list = tasks.ToList();
        _groupOf = list.ToDictionary(t => t.TaskId, t => t.GroupId, StringComparer.Ordinal);
        _upstream = list.ToDictionary(t => t.TaskId, t => t.Upstream.Where(_groupOf.ContainsKey).ToList(), StringComparer.Ordinal);
        _downstream = list.ToDictionary(t => t.TaskId, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var (task, upstream) in _upstream)
        {
            foreach (var parent in upstream)
            {
                _downstream[parent].Add(task);
            }
        }

        TaskIds = list.Select(t => t.TaskId).ToList();
    }

    /// <summary>In the version's topological order.</summary>
    public IReadOnlyList<string> TaskIds { get; }

    public bool HasTask(string taskId) => _groupOf.ContainsKey(taskId);

    /// <summary>The tasks of a group and of the groups nested in it; empty when there is no such group.</summary>
    public IEnumerable<string> TasksInGroup(string groupId) =>
        TaskIds.Where(t => _groupOf[t] is { } group && (group == groupId || group.StartsWith(groupId + ".", StringComparison.Ordinal)));

    /// <summary>The given tasks plus, transitively, everything upstream and/or downstream of them.</summary>
    public HashSet<string> WithRelatives(IEnumerable<string> taskIds, bool upstream, bool downstream)
    {
        var seeds = taskIds.ToList();
        var result = new HashSet<string>(seeds, StringComparer.Ordinal);
        if (upstream)
        {
            result.UnionWith(Reachable(seeds, _upstream));
        }

        if (downstream)
        {
            // From the seeds, not from their ancestors: "upstream and downstream" never adds siblings.
            result.UnionWith(Reachable(seeds, _downstream));
        }

        return result;
    }

    private static HashSet<string> Reachable(IEnumerable<string> from, Dictionary<string, List<string>> edges)
    {
        var pending = new Stack<string>(from);
        var reached = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryPop(out var task))
        {
            foreach (var next in edges.GetValueOrDefault(task) ?? [])
            {
                if (reached.Add(next))
                {
                    pending.Push(next);
                }
            }
        }

        return reached;
    }
}
