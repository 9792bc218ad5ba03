using System.Globalization;
using System.Text;
using Dashboard.Core.Dags;
using Microsoft.Msagl.Core.Geometry;
using Microsoft.Msagl.Core.Geometry.Curves;
using Microsoft.Msagl.Core.Layout;
using Microsoft.Msagl.Core.Routing;
using Microsoft.Msagl.Layout.Layered;
using Microsoft.Msagl.Miscellaneous;
using MsaglEdge = Microsoft.Msagl.Core.Layout.Edge;
using MsaglNode = Microsoft.Msagl.Core.Layout.Node;

namespace Dashboard.Core.Queries.Graph;

/// <summary>
/// Lays a DAG version out as a layered (Sugiyama) drawing with MSAGL, task groups as nested boxes.
/// </summary>
/// <remarks>
/// Groups are laid out from the inside out: each expanded group's children (its tasks, its
/// collapsed subgroups as single nodes, its expanded subgroups as boxes already laid out) get a
/// layered layout of their own, using the dependencies between them lifted to that level; the
/// group then enters its parent's layout as one node of its box's size. So a box holds exactly its
/// own tasks, and at every level the boxes are ordered the way work flows between them. (MSAGL's
/// own clusters were tried: they were several times slower and, with cross-group edges, put
/// groups against the flow.) An edge whose two ends sit at the same level keeps MSAGL's spline
/// route; one that enters or leaves an expanded box is drawn as a curve between the two nodes.
/// </remarks>
public static class GraphLayouter
{
    /// <summary>Above this many tasks, a DAG's graph opens with its groups collapsed.</summary>
    public const int CollapseAbove = 50;

    public const double NodeHeight = 44;
    public const double GroupNodeHeight = 50;
    public const double MinNodeWidth = 120;
    public const double MaxNodeWidth = 240;

    /// <summary>The width the drawing gives one character of a label (13 px text), to size nodes without measuring.</summary>
    public const double CharWidth = 7.4;

    public const double BoxPadding = 14;
    public const double BoxHeader = 26;
    private const double NodeTextPadding = 28;

    /// <summary>
    /// Above this many nodes at one level, edges are straight: MSAGL's spline routing grows faster
    /// than its placement and would cost seconds on a level of a thousand tasks.
    /// </summary>
    public const int SplineNodeLimit = 250;

    private const string TaskKey = "t:";
    private const string GroupKey = "g:";

    /// <summary>The groups a graph opens with collapsed: all of them for a large DAG, none for a small one.</summary>
    public static IReadOnlySet<string> DefaultCollapsed(DagVersionModel model) =>
        model.Tasks.Count > CollapseAbove ? GroupIds(model).ToHashSet(StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Every group path of the version, in the order their first task comes, outer groups before inner ones.</summary>
    public static IReadOnlyList<string> GroupIds(DagVersionModel model) =>
        model.Tasks.Where(t => t.GroupId is not null).SelectMany(t => Prefixes(t.GroupId!)).Distinct().ToList();

    /// <summary>The label cut to what fits a node of this width, with an ellipsis when cut.</summary>
    public static string Fit(string label, double width)
    {
        var fits = Math.Max(4, (int)((width - NodeTextPadding + 8) / CharWidth));
        return label.Length <= fits ? label : string.Concat(label.AsSpan(0, fits - 1), "…");
    }

    public static GraphLayout Compute(DagVersionModel model, IReadOnlySet<string> collapsed, GraphDirection direction) =>
        new Builder(model, collapsed, direction).Build();

    /// <summary><c>a.b.c</c> → <c>a</c>, <c>a.b</c>, <c>a.b.c</c>: the groups a task sits in, outermost first.</summary>
    public static string[] Prefixes(string? groupId)
    {
        if (groupId is null)
        {
            return [];
        }

        var prefixes = new List<string>();
        for (var dot = groupId.IndexOf('.'); dot >= 0; dot = groupId.IndexOf('.', dot + 1))
        {
            prefixes.Add(groupId[..dot]);
        }

        prefixes.Add(groupId);
        return [.. prefixes];
    }

    private static double WidthFor(int characters) => Math.Clamp(characters * CharWidth + NodeTextPadding, MinNodeWidth, MaxNodeWidth);

    private readonly record struct Pt(double X, double Y)
    {
        public Pt Plus(Pt other) => new(X + other.X, Y + other.Y);
    }

    /// <summary>SVG path data kept as points, so a level's routes move with their box: 'M' and 'L' take one point, 'C' three.</summary>
    private sealed record PathPart(char Command, Pt[] Points);

    /// <summary>One container's layout: where its children go relative to its content's top-left corner, and the routes between them.</summary>
    private sealed class Level
    {
        public double Width { get; init; }
        public double Height { get; init; }
        public Dictionary<string, (Pt At, double Width, double Height)> Children { get; } = new(StringComparer.Ordinal);
        public Dictionary<(string From, string To), List<PathPart>> Routes { get; } = [];
    }

    private sealed class Builder(DagVersionModel model, IReadOnlySet<string> collapsed, GraphDirection direction)
    {
        // Children in task order, per expanded container ("" is the DAG itself); keys are TaskKey/GroupKey + id.
        private readonly Dictionary<string, List<string>> _children = new(StringComparer.Ordinal) { [""] = [] };
        private readonly Dictionary<string, List<string>> _groupTasks = new(StringComparer.Ordinal);
        private readonly Dictionary<string, HashSet<(string From, string To)>> _levelEdges = new(StringComparer.Ordinal);

        // Merged edges between drawn nodes, with the container where both ends meet and the children they lift to there.
        private readonly Dictionary<(string From, string To), (string Container, string From, string To)> _drawnEdges = [];
        private readonly Dictionary<string, Level> _levels = new(StringComparer.Ordinal);
        private readonly List<GraphNode> _nodes = [];
        private readonly List<GraphBox> _boxes = [];
        private readonly Dictionary<string, GraphNode> _nodeByKey = new(StringComparer.Ordinal);

        public GraphLayout Build()
        {
            var groupIds = GroupIds(model);
            BuildContainers();
            BuildEdges();
            var root = LayOut("");
            Place("", new Pt(0, 0), 0);
            var edges = _drawnEdges.Select(e => new GraphEdge(Id(e.Key.From), Id(e.Key.To), PathOf(e.Key, e.Value))).ToList();
            return new GraphLayout(model.VersionId, direction, _nodes, _boxes, edges, groupIds, root.Width, root.Height);
        }

        private static string Id(string key) => key[2..];

        private bool IsCollapsed(string groupId) => collapsed.Contains(groupId);

        private void BuildContainers()
        {
            foreach (var task in model.Tasks)
            {
                var container = "";
                var hidden = false;
                foreach (var group in Prefixes(task.GroupId))
                {
                    if (!_groupTasks.TryGetValue(group, out var tasks))
                    {
                        _groupTasks[group] = tasks = [];
                    }

                    tasks.Add(task.TaskId);
                    if (hidden)
                    {
                        continue;
                    }

                    AddChild(container, GroupKey + group);
                    if (IsCollapsed(group))
                    {
                        hidden = true;
                    }
                    else
                    {
                        container = group;
                        _children.TryAdd(group, []);
                    }
                }

                if (!hidden)
                {
                    AddChild(container, TaskKey + task.TaskId);
                }
            }
        }

        private void AddChild(string container, string key)
        {
            var children = _children[container];
            if (children.Count == 0 || children[^1] != key)
            {
                // Tasks come in topological order, so a group's tasks may be interleaved with others': add it once.
                if (!key.StartsWith(GroupKey, StringComparison.Ordinal) || !children.Contains(key))
                {
                    children.Add(key);
                }
            }
        }

        /// <summary>The node a task is drawn in: itself, or the outermost collapsed group around it.</summary>
        private string DrawnAs(VersionTask task)
        {
            foreach (var group in Prefixes(task.GroupId))
            {
                if (IsCollapsed(group))
                {
                    return GroupKey + group;
                }
            }

            return TaskKey + task.TaskId;
        }

        private void BuildEdges()
        {
            foreach (var task in model.Tasks)
            {
                var to = Prefixes(task.GroupId);
                foreach (var upstreamId in task.Upstream)
                {
                    if (model.Task(upstreamId) is not { } upstream)
                    {
                        continue;
                    }

                    var from = Prefixes(upstream.GroupId);
                    var common = 0;
                    var hidden = false;
                    while (common < from.Length && common < to.Length && from[common] == to[common])
                    {
                        if (IsCollapsed(from[common]))
                        {
                            hidden = true;
                            break;
                        }

                        common++;
                    }

                    if (hidden)
                    {
                        continue;
                    }

                    var container = common == 0 ? "" : from[common - 1];
                    var liftedFrom = common < from.Length ? GroupKey + from[common] : TaskKey + upstream.TaskId;
                    var liftedTo = common < to.Length ? GroupKey + to[common] : TaskKey + task.TaskId;
                    if (!_levelEdges.TryGetValue(container, out var levelEdges))
                    {
                        _levelEdges[container] = levelEdges = [];
                    }

                    levelEdges.Add((liftedFrom, liftedTo));
                    _drawnEdges.TryAdd((DrawnAs(upstream), DrawnAs(task)), (container, liftedFrom, liftedTo));
                }
            }
        }

        private (double Width, double Height) SizeOf(string key)
        {
            var id = Id(key);
            if (key.StartsWith(TaskKey, StringComparison.Ordinal))
            {
                return (WidthFor(id.Length), NodeHeight);
            }

            if (IsCollapsed(id))
            {
                var label = id[(id.LastIndexOf('.') + 1)..];
                return (WidthFor(Math.Max(label.Length + 2, 10)), GroupNodeHeight);
            }

            var inner = LayOut(id);
            return (Math.Max(inner.Width, MinNodeWidth) + 2 * BoxPadding, inner.Height + BoxHeader + BoxPadding);
        }

        /// <summary>Lays out one expanded container's children (inner boxes first), in drawing coordinates from its content's corner.</summary>
        private Level LayOut(string container)
        {
            if (_levels.TryGetValue(container, out var done))
            {
                return done;
            }

            var children = _children.GetValueOrDefault(container) ?? [];
            var sizes = children.ToDictionary(c => c, SizeOf, StringComparer.Ordinal);
            var leftToRight = direction == GraphDirection.LeftToRight;
            var graph = new GeometryGraph();
            var msaglNodes = new Dictionary<string, MsaglNode>(StringComparer.Ordinal);
            foreach (var child in children)
            {
                // MSAGL lays out top to bottom; left to right is the same drawing transposed, so it gets transposed sizes.
                var (width, height) = sizes[child];
                var node = leftToRight
                    ? new MsaglNode(CurveFactory.CreateRectangle(height, width, new Point()), child)
                    : new MsaglNode(CurveFactory.CreateRectangle(width, height, new Point()), child);
                msaglNodes[child] = node;
                graph.Nodes.Add(node);
            }

            var msaglEdges = new Dictionary<(string, string), MsaglEdge>();
            foreach (var (from, to) in _levelEdges.GetValueOrDefault(container) ?? [])
            {
                var edge = new MsaglEdge(msaglNodes[from], msaglNodes[to]);
                msaglEdges[(from, to)] = edge;
                graph.Edges.Add(edge);
            }

            if (children.Count == 0)
            {
                return _levels[container] = new Level();
            }

            var settings = new SugiyamaLayoutSettings { LayerSeparation = 56, NodeSeparation = 18 };
            settings.EdgeRoutingSettings.EdgeRoutingMode =
                children.Count <= SplineNodeLimit ? EdgeRoutingMode.SugiyamaSplines : EdgeRoutingMode.StraightLine;
            LayoutHelpers.CalculateLayout(graph, settings, null);

            // MSAGL's y grows upwards; the drawing's grows downwards from the top-left corner.
            var box = graph.BoundingBox;
            Pt Map(Point p) => leftToRight ? new Pt(box.Top - p.Y, p.X - box.Left) : new Pt(p.X - box.Left, box.Top - p.Y);

            var level = new Level { Width = leftToRight ? box.Height : box.Width, Height = leftToRight ? box.Width : box.Height };
            foreach (var child in children)
            {
                var (width, height) = sizes[child];
                var center = Map(msaglNodes[child].Center);
                level.Children[child] = (new Pt(center.X - width / 2, center.Y - height / 2), width, height);
            }

            foreach (var (key, edge) in msaglEdges)
            {
                if (edge.Curve is { } curve)
                {
                    var path = new List<PathPart>();
                    AddCurve(path, curve, Map);
                    level.Routes[key] = path;
                }
            }

            return _levels[container] = level;
        }

        /// <summary>Gives every node and box of a container its place on the drawing, its content's corner at <paramref name="origin"/>.</summary>
        private void Place(string container, Pt origin, int depth)
        {
            var level = _levels[container];
            foreach (var (key, (at, width, height)) in level.Children)
            {
                var corner = origin.Plus(at);
                var id = Id(key);
                if (key.StartsWith(TaskKey, StringComparison.Ordinal))
                {
                    var task = model.Task(id)!;
                    Add(key, new GraphNode(id, id, false, task.Kind, [id], corner.X, corner.Y, width, height));
                }
                else if (IsCollapsed(id))
                {
                    Add(key, new GraphNode(id, id[(id.LastIndexOf('.') + 1)..], true, null, _groupTasks[id], corner.X, corner.Y, width, height));
                }
                else
                {
                    _boxes.Add(new GraphBox(id, id[(id.LastIndexOf('.') + 1)..], _groupTasks[id].Count, depth, corner.X, corner.Y, width, height));
                    Place(id, corner.Plus(new Pt(BoxPadding, BoxHeader)), depth + 1);
                }
            }
        }

        private void Add(string key, GraphNode node)
        {
            _nodes.Add(node);
            _nodeByKey[key] = node;
        }

        private string PathOf((string From, string To) drawn, (string Container, string From, string To) lifted)
        {
            var from = _nodeByKey[drawn.From];
            var to = _nodeByKey[drawn.To];
            if (lifted.From == drawn.From && lifted.To == drawn.To
                && _levels[lifted.Container].Routes.TryGetValue((lifted.From, lifted.To), out var route))
            {
                return Svg(route, OriginOf(lifted.Container));
            }

            // Into or out of an expanded box: a curve from the upstream node's outgoing side to the downstream node's incoming side.
            var (start, end) = direction == GraphDirection.LeftToRight
                ? (new Pt(from.X + from.Width, from.CenterY), new Pt(to.X, to.CenterY))
                : (new Pt(from.CenterX, from.Y + from.Height), new Pt(to.CenterX, to.Y));
            var bend = direction == GraphDirection.LeftToRight
                ? new Pt(Math.Max(40, Math.Abs(end.X - start.X) / 2), 0)
                : new Pt(0, Math.Max(40, Math.Abs(end.Y - start.Y) / 2));
            return Svg(
                [new PathPart('M', [start]), new PathPart('C', [start.Plus(bend), new Pt(end.X - bend.X, end.Y - bend.Y), end])],
                new Pt(0, 0));
        }

        /// <summary>Where a container's content starts on the drawing.</summary>
        private Pt OriginOf(string container)
        {
            if (container.Length == 0)
            {
                return new Pt(0, 0);
            }

            var box = _boxes.First(b => b.GroupId == container);
            return new Pt(box.X + BoxPadding, box.Y + BoxHeader);
        }
    }

    private static void AddCurve(List<PathPart> path, ICurve curve, Func<Point, Pt> map)
    {
        switch (curve)
        {
            case Curve composite:
                foreach (var segment in composite.Segments)
                {
                    AddCurve(path, segment, map);
                }

                break;
            case LineSegment line:
                Start(path, map(line.Start));
                path.Add(new PathPart('L', [map(line.End)]));
                break;
            case CubicBezierSegment bezier:
                Start(path, map(bezier.B(0)));
                path.Add(new PathPart('C', [map(bezier.B(1)), map(bezier.B(2)), map(bezier.B(3))]));
                break;
            default:
                // Anything else (a polyline, an ellipse arc) as a few straight pieces: edges are rarely anything else.
                Start(path, map(curve.Start));
                const int pieces = 12;
                for (var i = 1; i <= pieces; i++)
                {
                    path.Add(new PathPart('L', [map(curve[curve.ParStart + (curve.ParEnd - curve.ParStart) * i / pieces])]));
                }

                break;
        }
    }

    private static void Start(List<PathPart> path, Pt point)
    {
        if (path.Count == 0)
        {
            path.Add(new PathPart('M', [point]));
        }
    }

    private static string Svg(List<PathPart> path, Pt offset)
    {
        var svg = new StringBuilder();
        foreach (var part in path)
        {
            svg.Append(part.Command);
            foreach (var point in part.Points)
            {
                svg.Append(Number(point.X + offset.X)).Append(',').Append(Number(point.Y + offset.Y)).Append(' ');
            }
        }

        return svg.ToString().TrimEnd();
    }

    private static string Number(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);
}
