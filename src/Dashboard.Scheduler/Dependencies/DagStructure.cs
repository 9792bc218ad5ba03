using Dashboard.Core.Domain;

namespace Dashboard.Scheduler.Dependencies;

/// <summary>One task of a structure version, with its downstream tasks resolved.</summary>
public sealed record TaskNode(
    string TaskId,
    TaskKind Kind,
    TriggerRule TriggerRule,
    bool DependsOnPast,
    bool WaitForDownstream,
    IReadOnlyList<string> Upstream,
    IReadOnlyList<string> Downstream);

/// <summary>A structure version as the scheduler reasons over it. Versions never change, so one instance can be cached forever.</summary>
public sealed class DagStructure
{
    private DagStructure(IReadOnlyList<TaskNode> tasks)
    {
        Tasks = tasks;
        ById = tasks.ToDictionary(t => t.TaskId, StringComparer.Ordinal);
        HasPastDependencies = tasks.Any(t => t.DependsOnPast);
    }

    /// <summary>In topological order, so one pass sees every upstream decision before its downstream.</summary>
    public IReadOnlyList<TaskNode> Tasks { get; }

    public IReadOnlyDictionary<string, TaskNode> ById { get; }

    public bool HasPastDependencies { get; }

    public static DagStructure From(IEnumerable<DagTask> tasks)
    {
        var ordered = tasks.OrderBy(t => t.Ordinal).ToList();
        var downstream = ordered.ToDictionary(t => t.TaskId, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var task in ordered)
        {
            foreach (var upstream in task.UpstreamTaskIds)
            {
                downstream[upstream].Add(task.TaskId);
            }
        }

        return new DagStructure(ordered
            .Select(t => new TaskNode(t.TaskId, t.Kind, t.TriggerRule, t.DependsOnPast, t.WaitForDownstream, t.UpstreamTaskIds, downstream[t.TaskId]))
            .ToList());
    }
}
