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

        var ordered = new List<TaskDefinition>(tasks.Count);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        while (ordered.Count < tasks.Count)
        {
            foreach (var (task, _) in tasks)
            {
                if (!placed.Contains(task.TaskId) && task.Upstream.All(u => placed.Contains(u) || !byId.ContainsKey(u)))
                {
                    placed.Add(task.TaskId);
                    ordered.Add(task with { Ordinal = ordered.Count });
                    break;
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
        var path = new List<string>();

        List<string>? Visit(string id)
        {
            state[id] = 1;
            path.Add(id);
            foreach (var upstream in upstreamOf[id])
            {
                if (state.GetValueOrDefault(upstream) == 1)
                {
                    // Report downstream-to-upstream reversed, so the path reads in the direction work flows.
                    var cycle = path[path.IndexOf(upstream)..];
                    cycle.Reverse();
                    return [.. cycle, cycle[0]];
                }

                if (state.GetValueOrDefault(upstream) == 0 && Visit(upstream) is { } found)
                {
                    return found;
                }
            }

            path.RemoveAt(path.Count - 1);
            state[id] = 2;
            return null;
        }

        foreach (var task in tasks)
        {
            if (state.GetValueOrDefault(task.TaskId) == 0 && Visit(task.TaskId) is { } cycle)
            {
                return cycle;
            }
        }

        return null;
    }
}
