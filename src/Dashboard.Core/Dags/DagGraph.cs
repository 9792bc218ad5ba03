using YamlDotNet.RepresentationModel;

namespace Dashboard.Core.Dags;

/// <summary>Checks that a DAG's tasks form no cycle and numbers them in topological order.</summary>
internal static class DagGraph
{
    /// <summary>Upstream tasks come first; among tasks that are free at the same time, file order wins.</summary>
    public static List<TaskDefinition> Order(List<(TaskDefinition Task, YamlMappingNode Node)> tasks, YamlFields fields)
    {
        var byId = tasks.ToDictionary(t => t.Task.TaskId, StringComparer.Ordinal);
        if (FindCycle(tasks.Select(t => t.Task).ToList(), byId.Keys.ToHashSet()) is { } cycle)
        {
            fields.Error(byId[cycle[0]].Node, $"the tasks form a cycle: {string.Join(" -> ", cycle)}");
            return tasks.Select(t => t.Task).ToList();
        }

        // Kahn's algorithm, always taking the free task that comes first in the file: linear in the
        // edges, so a DAG of thousands of tasks orders as fast as a small one.
        var index = tasks.Select((t, i) => (t.Task.TaskId, i)).ToDictionary(p => p.TaskId, p => p.i, StringComparer.Ordinal);
        var waitingFor = new int[tasks.Count];
        var downstream = tasks.Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < tasks.Count; i++)
        {
            foreach (var upstream in tasks[i].Task.Upstream.Where(index.ContainsKey))
            {
                waitingFor[i]++;
                downstream[index[upstream]].Add(i);
            }
        }

        var free = new PriorityQueue<int, int>(Enumerable.Range(0, tasks.Count).Where(i => waitingFor[i] == 0).Select(i => (i, i)));
        var ordered = new List<TaskDefinition>(tasks.Count);
        while (free.TryDequeue(out var next, out _))
        {
            ordered.Add(tasks[next].Task with { Ordinal = ordered.Count });
            foreach (var child in downstream[next])
            {
                if (--waitingFor[child] == 0)
                {
                    free.Enqueue(child, child);
                }
            }
        }

        return ordered;
    }

    /// <summary>The first cycle found, as a path that starts and ends with the same task, or null.</summary>
    private static List<string>? FindCycle(List<TaskDefinition> tasks, HashSet<string> known)
    {
        var upstreamOf = tasks.ToDictionary(t => t.TaskId, t => t.Upstream.Where(known.Contains).ToList(), StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on the path, 2 = done

        // Depth first with a stack of its own: a chain of thousands of tasks must not exhaust the thread's.
        foreach (var root in tasks.Select(t => t.TaskId).Where(id => !state.ContainsKey(id)))
        {
            var path = new List<(string Id, int Next)> { (root, 0) };
            state[root] = 1;
            while (path.Count > 0)
            {
                var (id, next) = path[^1];
                if (next == upstreamOf[id].Count)
                {
                    path.RemoveAt(path.Count - 1);
                    state[id] = 2;
                    continue;
                }

                path[^1] = (id, next + 1);
                var upstream = upstreamOf[id][next];
                if (state.GetValueOrDefault(upstream) == 1)
                {
                    // Report downstream-to-upstream reversed, so the path reads in the direction work flows.
                    var cycle = path.Select(p => p.Id).SkipWhile(p => p != upstream).Reverse().ToList();
                    return [.. cycle, cycle[0]];
                }

                if (!state.ContainsKey(upstream))
                {
                    state[upstream] = 1;
                    path.Add((upstream, 0));
                }
            }
        }

        return null;
    }
}
