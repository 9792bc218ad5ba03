using Dashboard.Core.Domain;

namespace Dashboard.Core.Queries.Graph;

/// <summary>Which way work flows on the drawing: left to right (Airflow's default) or top to bottom.</summary>
public enum GraphDirection
{
    LeftToRight,
    TopToBottom,
}

/// <summary>
/// A drawn node: a task, or a collapsed task group standing for all its tasks. Coordinates are the
/// top-left corner in drawing units, with y growing downwards (as in SVG).
/// </summary>
/// <param name="Id">The task id, or the group id for a collapsed group.</param>
/// <param name="Tasks">The tasks the node stands for: itself for a task, every task inside for a group.</param>
public sealed record GraphNode(
    string Id,
    string Label,
    bool IsGroup,
    TaskKind? Kind,
    IReadOnlyList<string> Tasks,
    double X,
    double Y,
    double Width,
    double Height)
{
    public double CenterX => X + Width / 2;

    public double CenterY => Y + Height / 2;
}

/// <summary>An expanded task group: a box drawn around its tasks and inner groups, its name in its top band.</summary>
public sealed record GraphBox(string GroupId, string Label, int TaskCount, int Depth, double X, double Y, double Width, double Height);

/// <summary>A dependency between two drawn nodes, several task edges merged when they join the same two nodes; <see cref="Path"/> is SVG path data.</summary>
public sealed record GraphEdge(string From, string To, string Path);

/// <summary>
/// The drawing of one DAG version with a set of groups collapsed: positions only, no states, so
/// one layout serves every run on the version and every state change (<see cref="GraphLayoutCache"/>).
/// </summary>
public sealed class GraphLayout
{
    private readonly Dictionary<string, GraphNode> _nodeOfTask;

    public GraphLayout(
        int versionId, GraphDirection direction, IReadOnlyList<GraphNode> nodes, IReadOnlyList<GraphBox> boxes, IReadOnlyList<GraphEdge> edges,
        IReadOnlyList<string> groupIds, double width, double height)
    {
        (VersionId, Direction, Nodes, Boxes, Edges, GroupIds, Width, Height) = (versionId, direction, nodes, boxes, edges, groupIds, width, height);
        _nodeOfTask = new Dictionary<string, GraphNode>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var task in node.Tasks)
            {
                _nodeOfTask[task] = node;
            }
        }
    }

    public int VersionId { get; }

    public GraphDirection Direction { get; }

    public IReadOnlyList<GraphNode> Nodes { get; }

    /// <summary>Outer groups before the groups inside them, so drawn in order each box lies on its parent's.</summary>
    public IReadOnlyList<GraphBox> Boxes { get; }

    public IReadOnlyList<GraphEdge> Edges { get; }

    /// <summary>Every group of the version, expanded or not, for "collapse all".</summary>
    public IReadOnlyList<string> GroupIds { get; }

    public double Width { get; }

    public double Height { get; }

    /// <summary>The node a task is drawn as: its own, or that of the collapsed group it is in; null for a task the version lacks.</summary>
    public GraphNode? NodeOf(string taskId) => _nodeOfTask.GetValueOrDefault(taskId);
}
