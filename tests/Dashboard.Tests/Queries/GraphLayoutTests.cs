using System.Globalization;
using System.Text.RegularExpressions;
using Dashboard.Core.Dags;
using Dashboard.Core.Queries.Graph;
using Dashboard.Testing;

namespace Dashboard.Tests.Queries;

public sealed partial class GraphLayoutTests
{
    private static readonly HashSet<string> NoneCollapsed = [];

    /// <summary>start → extract.{a,b} → extract.done → publish, with a nested group extract.inner.</summary>
    private static DagVersionModel Small(int versionId = 1) => GeneratedDag.Model(versionId,
    [
        new("start", null, []),
        new("extract_a", "extract", ["start"]),
        new("extract_b", "extract", ["start"]),
        new("inner_x", "extract.inner", ["extract_a"]),
        new("inner_y", "extract.inner", ["extract_b", "inner_x"]),
        new("extract_done", "extract", ["inner_y", "extract_a"]),
        new("publish", null, ["extract_done", "start"]),
    ]);

    [Fact]
    public void Every_task_is_placed_once_and_no_two_nodes_overlap()
    {
        var model = GeneratedDag.Model(1, GeneratedDag.Tasks(stages: 6, tasksPerStage: 30));

        var layout = GraphLayouter.Compute(model, NoneCollapsed, GraphDirection.LeftToRight);

        Assert.Equal(model.Tasks.Select(t => t.TaskId).Order(), layout.Nodes.Select(n => n.Id).Order());
        AssertNoOverlaps(layout.Nodes);
        Assert.All(layout.Nodes, n => Assert.True(n.X >= 0 && n.Y >= 0 && n.X + n.Width <= layout.Width + 0.5 && n.Y + n.Height <= layout.Height + 0.5,
            $"{n.Id} lies outside the drawing"));
    }

    [Theory]
    [InlineData(GraphDirection.LeftToRight)]
    [InlineData(GraphDirection.TopToBottom)]
    public void Edges_connect_the_nodes_of_their_tasks_and_start_and_end_on_them(GraphDirection direction)
    {
        var model = Small();

        var layout = GraphLayouter.Compute(model, NoneCollapsed, direction);

        var expected = model.Tasks.SelectMany(t => t.Upstream.Select(u => (u, t.TaskId))).Order().ToList();
        Assert.Equal(expected, layout.Edges.Select(e => (e.From, e.To)).Order().ToList());
        foreach (var edge in layout.Edges)
        {
            var points = Points(edge.Path);
            AssertNear(layout.NodeOf(edge.From)!, points[0], edge);
            AssertNear(layout.NodeOf(edge.To)!, points[^1], edge);
        }
    }

    [Fact]
    public void Work_flows_left_to_right_or_top_to_bottom()
    {
        var model = Small();

        var leftToRight = GraphLayouter.Compute(model, NoneCollapsed, GraphDirection.LeftToRight);
        var topToBottom = GraphLayouter.Compute(model, NoneCollapsed, GraphDirection.TopToBottom);

        Assert.All(leftToRight.Edges, e => Assert.True(leftToRight.NodeOf(e.To)!.X > leftToRight.NodeOf(e.From)!.X + 10, $"{e.From} → {e.To}"));
        Assert.All(topToBottom.Edges, e => Assert.True(topToBottom.NodeOf(e.To)!.Y > topToBottom.NodeOf(e.From)!.Y + 10, $"{e.From} → {e.To}"));
    }

    [Fact]
    public void A_collapsed_group_replaces_its_tasks_and_merges_the_edges_into_and_out_of_it()
    {
        var layout = GraphLayouter.Compute(Small(), new HashSet<string> { "extract" }, GraphDirection.LeftToRight);

        Assert.Equal(["extract", "publish", "start"], layout.Nodes.Select(n => n.Id).Order());
        var group = Assert.Single(layout.Nodes, n => n.IsGroup);
        Assert.Equal(["extract_a", "extract_b", "extract_done", "inner_x", "inner_y"], group.Tasks.Order());
        Assert.Same(group, layout.NodeOf("inner_y"));
        Assert.Empty(layout.Boxes);

        // start feeds two tasks of the group and publish waits on one: one edge each, plus start → publish.
        Assert.Equal([("extract", "publish"), ("start", "extract"), ("start", "publish")], layout.Edges.Select(e => (e.From, e.To)).Order());
    }

    [Fact]
    public void An_expanded_group_is_a_box_around_exactly_its_own_tasks()
    {
        var layout = GraphLayouter.Compute(Small(), new HashSet<string> { "extract.inner" }, GraphDirection.TopToBottom);

        var box = Assert.Single(layout.Boxes);
        Assert.Equal("extract", box.GroupId);
        Assert.Equal(5, box.TaskCount);
        var inner = Assert.Single(layout.Nodes, n => n.IsGroup);
        Assert.Equal("extract.inner", inner.Id);
        foreach (var node in layout.Nodes)
        {
            var inside = node.X >= box.X && node.Y >= box.Y && node.X + node.Width <= box.X + box.Width && node.Y + node.Height <= box.Y + box.Height;
            var overlaps = node.X < box.X + box.Width && box.X < node.X + node.Width && node.Y < box.Y + box.Height && box.Y < node.Y + node.Height;
            var member = node.Id.StartsWith("extract", StringComparison.Ordinal);
            Assert.True(member ? inside : !overlaps, $"{node.Id} {(member ? "is outside" : "overlaps")} the extract box");
        }

        AssertNoOverlaps(layout.Nodes);
    }

    [Fact]
    public void Large_dags_open_with_their_groups_collapsed_and_small_ones_expanded()
    {
        var large = GeneratedDag.Model(1, GeneratedDag.Tasks(stages: 3, tasksPerStage: 20));

        Assert.Empty(GraphLayouter.DefaultCollapsed(Small()));
        Assert.Equal(["stage_01", "stage_01.transform", "stage_02", "stage_02.transform", "stage_03", "stage_03.transform"],
            GraphLayouter.DefaultCollapsed(large).Order());
        var layout = GraphLayouter.Compute(large, GraphLayouter.DefaultCollapsed(large), GraphDirection.LeftToRight);
        Assert.Equal(["stage_01", "stage_02", "stage_03"], layout.Nodes.Select(n => n.Id));
        Assert.Equal([("stage_01", "stage_02"), ("stage_01", "stage_03"), ("stage_02", "stage_03")], layout.Edges.Select(e => (e.From, e.To)).Order());
    }

    [Fact]
    public void The_cache_computes_a_layout_once_per_version_and_collapsed_groups()
    {
        var cache = new GraphLayoutCache();
        var model = Small();

        var first = cache.Get(model, new HashSet<string> { "extract" });
        var again = cache.Get(model, new HashSet<string> { "extract", "extract.inner" });
        var expanded = cache.Get(model, NoneCollapsed);
        var otherVersion = cache.Get(Small(versionId: 2), new HashSet<string> { "extract" });

        Assert.Same(first, again);
        Assert.NotSame(first, expanded);
        Assert.NotSame(first, otherVersion);
        Assert.Equal(3, cache.Computed);
    }

    [Fact]
    public void The_cache_is_bounded()
    {
        var cache = new GraphLayoutCache();
        var model = GeneratedDag.Model(1, [new("only", null, [])]);

        for (var version = 1; version <= GraphLayoutCache.MaxLayouts + 10; version++)
        {
            cache.Get(GeneratedDag.Model(version, [new("only", null, [])]), NoneCollapsed);
        }

        Assert.InRange(cache.Count, 1, GraphLayoutCache.MaxLayouts);
        Assert.Same(cache.Get(model, NoneCollapsed), cache.Get(model, NoneCollapsed));
    }

    private static void AssertNoOverlaps(IReadOnlyList<GraphNode> nodes)
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            for (var j = i + 1; j < nodes.Count; j++)
            {
                var (a, b) = (nodes[i], nodes[j]);
                var overlap = a.X < b.X + b.Width && b.X < a.X + a.Width && a.Y < b.Y + b.Height && b.Y < a.Y + a.Height;
                Assert.False(overlap, $"{a.Id} overlaps {b.Id}");
            }
        }
    }

    private static void AssertNear(GraphNode node, (double X, double Y) point, GraphEdge edge)
    {
        const double slack = 3;
        Assert.True(point.X >= node.X - slack && point.X <= node.X + node.Width + slack && point.Y >= node.Y - slack && point.Y <= node.Y + node.Height + slack,
            $"{edge.From} → {edge.To} ends at {point} away from {node.Id}");
    }

    private static List<(double X, double Y)> Points(string path) =>
        PointPattern().Matches(path)
            .Select(m => (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
            .ToList();

    [GeneratedRegex(@"(-?[\d.]+),(-?[\d.]+)")]
    private static partial Regex PointPattern();
}
