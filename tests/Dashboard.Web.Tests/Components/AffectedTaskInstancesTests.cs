using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Selection;
using Dashboard.Web.Components.Dialogs;

namespace Dashboard.Web.Tests.Components;

public sealed class AffectedTaskInstancesTests : ComponentTest
{
    private static readonly DateTimeOffset Day = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static AffectedTaskInstance Ti(int run, string task, TaskInstanceState? state) =>
        new(run * 100 + task.Length, run, $"scheduled__{run}", task, state, 1, DagRunState.Failed, Day.AddDays(run), Day.AddDays(run + 1), RunVersionId: 1);

    [Fact]
    public void Instances_are_grouped_by_run_with_a_count_per_run_and_in_all()
    {
        var page = RenderPage([Ti(1, "check", TaskInstanceState.Failed), Ti(1, "publish", TaskInstanceState.UpstreamFailed), Ti(2, "check", null)]);

        var list = page.QuerySelector("[data-testid='affected']")!;
        Assert.Equal("3", list.GetAttribute("data-count"));
        Assert.Contains("Task instances to clear: 3", list.TextContent);
        Assert.Contains("in 2 runs", list.TextContent);
        var first = list.QuerySelector("tbody[data-run-id='scheduled__1']")!;
        Assert.Contains("scheduled__1 · 2", first.QuerySelector(".affected-run")!.TextContent);
        Assert.Equal(["check", "publish"], first.QuerySelectorAll("tr[data-task-id]").Select(r => r.GetAttribute("data-task-id")));
        Assert.Equal("no status", list.QuerySelector("tbody[data-run-id='scheduled__2'] tr[data-task-id='check'] .state")!.TextContent);
    }

    [Fact]
    public void A_long_list_is_cut_but_its_counts_stay_exact()
    {
        var many = Enumerable.Range(1, 400).Select(run => Ti(run, "check", TaskInstanceState.Failed)).ToList();

        var page = RenderPage(many);

        var list = page.QuerySelector("[data-testid='affected']")!;
        Assert.Equal("400", list.GetAttribute("data-count"));
        Assert.Equal(300, list.QuerySelectorAll("tr[data-task-id]").Length);
        Assert.Equal("and 100 more not listed", list.QuerySelector(".affected-more")!.TextContent.Trim());
    }

    private AngleSharp.Dom.IDocument RenderPage(IReadOnlyList<AffectedTaskInstance> items) =>
        RenderPage<AffectedTaskInstances>(p => p.Add(a => a.Items, items).Add(a => a.Caption, "Task instances to clear"));
}
