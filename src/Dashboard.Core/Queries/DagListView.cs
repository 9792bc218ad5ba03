namespace Dashboard.Core.Queries;

/// <summary>Which DAGs the list shows by what they are doing.</summary>
public enum DagStatusFilter
{
    All,

    /// <summary>The latest run failed.</summary>
    Failed,

    /// <summary>At least one run is running now.</summary>
    Running,
    Paused,

    /// <summary>Not paused: the schedule creates runs.</summary>
    Active,
}

public enum DagListSort
{
    Name,

    /// <summary>By when the next automated run may start; DAGs with none come last.</summary>
    NextRun,
    Failed,
    Running,
}

/// <summary>
/// What the DAG list shows of all DAGs: a text filter (name or tag), one tag, a status and a sort.
/// Everything lives in the page's URL; filtering and sorting happen here, where they are tested.
/// </summary>
public sealed record DagListView(
    string? Text = null,
    string? Tag = null,
    DagStatusFilter Status = DagStatusFilter.All,
    DagListSort Sort = DagListSort.Name,
    bool Descending = false)
{
    /// <summary>Names read A to Z and dates soonest first; counts read largest first.</summary>
    public static bool DescendingByDefault(DagListSort sort) => sort is DagListSort.Failed or DagListSort.Running;

    public static bool Matches(DagSummary dag, DagStatusFilter status) => status switch
    {
        DagStatusFilter.Failed => dag.IsFailing,
        DagStatusFilter.Running => dag.RunningCount > 0,
        DagStatusFilter.Paused => dag.IsPaused,
        DagStatusFilter.Active => !dag.IsPaused,
        _ => true,
    };

    public IReadOnlyList<DagSummary> Apply(IEnumerable<DagSummary> dags)
    {
        var text = Text?.Trim();
        var tag = Tag?.Trim();
        var visible = dags.Where(d => Matches(d, Status));
        if (!string.IsNullOrEmpty(text))
        {
            visible = visible.Where(d => d.DagId.Contains(text, StringComparison.OrdinalIgnoreCase)
                                         || d.Tags.Any(t => t.Contains(text, StringComparison.OrdinalIgnoreCase)));
        }

        if (!string.IsNullOrEmpty(tag))
        {
            visible = visible.Where(d => d.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase));
        }

        return Sorted(visible).ThenBy(d => d.DagId, StringComparer.Ordinal).ToList();
    }

    private IOrderedEnumerable<DagSummary> Sorted(IEnumerable<DagSummary> dags) => Sort switch
    {
        // A DAG with no next run stays last whichever way the dates run.
        DagListSort.NextRun => Descending
            ? dags.OrderBy(d => d.NextRun is null).ThenByDescending(d => d.NextRun?.End)
            : dags.OrderBy(d => d.NextRun is null).ThenBy(d => d.NextRun?.End),
        DagListSort.Failed => By(dags, d => d.FailedLast24Hours),
        DagListSort.Running => By(dags, d => d.RunningCount),
        _ => By(dags, d => d.DagId, StringComparer.Ordinal),
    };

    private IOrderedEnumerable<DagSummary> By<TKey>(IEnumerable<DagSummary> dags, Func<DagSummary, TKey> key, IComparer<TKey>? comparer = null) =>
        Descending ? dags.OrderByDescending(key, comparer) : dags.OrderBy(key, comparer);
}
