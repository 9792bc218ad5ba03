using Dashboard.Core.Domain;

namespace Dashboard.Core.Queries.Grid;

/// <summary>A row as drawn: a task, or a task group whose cells aggregate its tasks' (<see cref="GroupTasks"/>, snapshot task indexes).</summary>
public sealed record GridRow(
    string Id,
    string Label,
    int Depth,
    int TaskIndex,
    IReadOnlyList<int> GroupTasks,
    bool Expanded)
{
    public bool IsGroup => TaskIndex < 0;

    /// <summary>Draws like <paramref name="other"/> apart from its cells: same task or group, same place in the tree, same fold.</summary>
    public bool SameShape(GridRow other) =>
        Id == other.Id && Depth == other.Depth && TaskIndex == other.TaskIndex && Expanded == other.Expanded && GroupTasks.Count == other.GroupTasks.Count;
}

/// <summary>
/// How the rows are drawn: which groups are collapsed, and which rows show. With <see cref="States"/>
/// only rows with a cell in one of those states (null: no status); with <see cref="TaskText"/> only
/// tasks whose id or group path holds the text (ignoring case). A group shows while any task in it does.
/// </summary>
public sealed record GridLayoutOptions(IReadOnlySet<string> CollapsedGroups, IReadOnlySet<TaskInstanceState?>? States = null, string? TaskText = null)
{
    public static readonly GridLayoutOptions Default = new(new HashSet<string>());
}

/// <summary>
/// Turns a snapshot's flat, topologically ordered tasks into the rows of the grid: task groups
/// nest by their dotted path and appear where their first task does; a collapsed group is one
/// row whose cells aggregate its tasks (<see cref="GroupState"/>).
/// </summary>
public static class GridLayout
{
    /// <summary>The states of the "needs attention" filter: what a person has to look at.</summary>
    public static readonly IReadOnlySet<TaskInstanceState?> NeedsAttention = new HashSet<TaskInstanceState?>
    {
        TaskInstanceState.Failed, TaskInstanceState.UpstreamFailed, TaskInstanceState.UpForRetry,
    };

    public static List<GridRow> Build(GridSnapshot snapshot, GridLayoutOptions options)
    {
        var root = BuildTree(snapshot);
        var rows = new List<GridRow>(snapshot.Tasks.Count);
        Emit(root, 0, snapshot, options, rows);
        return rows;
    }

    /// <summary>
    /// What each row draws in each run, rows × runs, row-major: a task row its cell, a group row its
    /// tasks' most urgent state (<see cref="GroupState.Aggregate"/>), without a note mark.
    /// </summary>
    public static GridCell[] Draw(GridSnapshot snapshot, IReadOnlyList<GridRow> rows)
    {
        var runs = snapshot.Runs.Count;
        var drawn = new GridCell[rows.Count * runs];
        for (var row = 0; row < rows.Count; row++)
        {
            var gridRow = rows[row];
            for (var run = 0; run < runs; run++)
            {
                drawn[row * runs + run] = gridRow.IsGroup ? GroupState.Aggregate(snapshot, gridRow.GroupTasks, run) : snapshot.Cell(gridRow.TaskIndex, run);
            }
        }

        return drawn;
    }

    /// <summary>Every group path in the snapshot, for "expand all" and "collapse all".</summary>
    public static IReadOnlyList<string> GroupIds(GridSnapshot snapshot) =>
        snapshot.Tasks.Where(t => t.GroupId is not null).SelectMany(t => Prefixes(t.GroupId!)).Distinct().ToList();

    private sealed class Node(string id, string label)
    {
        public string Id => id;
        public string Label => label;
        public int TaskIndex { get; init; } = -1;
        public List<Node> Children { get; } = [];
        public List<int> Tasks { get; } = [];
    }

    private static Node BuildTree(GridSnapshot snapshot)
    {
        var root = new Node("", "");
        var groups = new Dictionary<string, Node>();
        for (var i = 0; i < snapshot.Tasks.Count; i++)
        {
            var task = snapshot.Tasks[i];
            var parent = root;
            if (task.GroupId is { } groupId)
            {
                foreach (var path in Prefixes(groupId))
                {
                    if (!groups.TryGetValue(path, out var group))
                    {
                        group = new Node(path, path[(path.LastIndexOf('.') + 1)..]);
                        groups[path] = group;
                        parent.Children.Add(group);
                    }

                    group.Tasks.Add(i);
                    parent = group;
                }
            }

            parent.Children.Add(new Node(task.TaskId, task.TaskId) { TaskIndex = i });
        }

        return root;
    }

    private static void Emit(Node parent, int depth, GridSnapshot snapshot, GridLayoutOptions options, List<GridRow> rows)
    {
        foreach (var node in parent.Children)
        {
            if (node.TaskIndex >= 0)
            {
                if (Shows(snapshot, options, node.TaskIndex))
                {
                    rows.Add(new GridRow(node.Id, node.Label, depth, node.TaskIndex, [], false));
                }

                continue;
            }

            if (!node.Tasks.Any(task => Shows(snapshot, options, task)))
            {
                continue;
            }

            var expanded = !options.CollapsedGroups.Contains(node.Id);
            rows.Add(new GridRow(node.Id, node.Label, depth, -1, node.Tasks, expanded));
            if (expanded)
            {
                Emit(node, depth + 1, snapshot, options, rows);
            }
        }
    }

    private static bool Shows(GridSnapshot snapshot, GridLayoutOptions options, int task)
    {
        if (options.TaskText is { Length: > 0 } text)
        {
            var row = snapshot.Tasks[task];
            if (!row.TaskId.Contains(text, StringComparison.OrdinalIgnoreCase) && row.GroupId?.Contains(text, StringComparison.OrdinalIgnoreCase) != true)
            {
                return false;
            }
        }

        if (options.States is not { } states)
        {
            return true;
        }

        for (var run = 0; run < snapshot.Runs.Count; run++)
        {
            var cell = snapshot.Cell(task, run);
            if (cell.Exists && states.Contains(cell.State))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>a.b.c</c> → <c>a</c>, <c>a.b</c>, <c>a.b.c</c>: the groups a task sits in, outermost first.</summary>
    private static IEnumerable<string> Prefixes(string groupId)
    {
        for (var dot = groupId.IndexOf('.'); dot >= 0; dot = groupId.IndexOf('.', dot + 1))
        {
            yield return groupId[..dot];
        }

        yield return groupId;
    }
}
