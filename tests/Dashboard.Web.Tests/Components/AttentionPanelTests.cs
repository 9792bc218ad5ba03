using Dashboard.Core.Domain;
using Dashboard.Core.Queries;
using Dashboard.Web.Components.Shared;

namespace Dashboard.Web.Tests.Components;

public sealed class AttentionPanelTests : ComponentTest
{
    private static readonly DateTimeOffset Now = new(2025, 6, 15, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Nothing_to_look_at_is_one_calm_line()
    {
        var page = RenderPage(new NeedsAttention(AttentionList.Empty, AttentionList.Empty, AttentionList.Empty, AttentionList.Empty));

        var section = page.QuerySelector("[data-testid='needs-attention']")!;
        Assert.Equal("true", section.GetAttribute("data-clear"));
        Assert.Contains("All clear.", section.TextContent);
        Assert.Empty(section.QuerySelectorAll(".attention-card"));
    }

    [Fact]
    public void Failed_runs_link_to_their_run_and_count_the_ones_not_shown()
    {
        var items = Enumerable.Range(1, NeedsAttentionQuery.ItemsPerCategory)
            .Select(i => new AttentionItem("taxi_pipeline", $"scheduled__2025-06-{i:00}T00:00:00+00:00", null, null, Now.AddMinutes(-i), false))
            .ToList();

        var page = RenderPage(new NeedsAttention(new AttentionList(items, 12), AttentionList.Empty, AttentionList.Empty, AttentionList.Empty));

        var card = page.QuerySelector("[data-testid='attention-failed-runs']")!;
        Assert.Equal("false", page.QuerySelector("[data-testid='needs-attention']")!.GetAttribute("data-clear"));
        Assert.Equal("12", card.QuerySelector(".attention-count")!.TextContent);
        var first = card.QuerySelector("li[data-dag-id='taxi_pipeline'][data-run-id='scheduled__2025-06-01T00:00:00+00:00']")!;
        Assert.Equal("dags/taxi_pipeline/grid?run=scheduled__2025-06-01T00%3A00%3A00%2B00%3A00", first.QuerySelector("a")!.GetAttribute("href"));
        Assert.Contains("1 min ago", first.TextContent);
        Assert.Equal(NeedsAttentionQuery.ItemsPerCategory, card.QuerySelectorAll("li").Length);
        Assert.Equal("and 2 more", card.QuerySelector(".attention-more")!.TextContent.Trim());
        Assert.Null(page.QuerySelector("[data-testid='attention-retrying']"));
    }

    [Fact]
    public void Task_categories_name_the_task_and_say_when_it_retries_or_since_when_it_is_silent()
    {
        var page = RenderPage(new NeedsAttention(
            AttentionList.Empty,
            new AttentionList([
                new AttentionItem("api_sync", "manual_1", "call_api", 1, Now.AddSeconds(30), false),
                new AttentionItem("api_sync", "manual_2", "call_api", 2, Now.AddMinutes(-3), false)], 2),
            new AttentionList([new AttentionItem("export_table", "manual_3", null, null, Now.AddMinutes(-25), true)], 1),
            new AttentionList([new AttentionItem("warehouse", "manual_4", "load", 2, Now.AddMinutes(-5), false)], 1)));

        var retrying = page.QuerySelectorAll("[data-testid='attention-retrying'] li[data-task-id='call_api']");
        Assert.Contains("retries in 30 s", retrying[0].TextContent);
        Assert.Contains("overdue 3 min", retrying[1].TextContent);
        Assert.Contains("(try 1)", retrying[0].TextContent);
        var queued = page.QuerySelector("[data-testid='attention-queued'] li[data-run-id='manual_3']")!;
        Assert.Contains("DAG paused", queued.TextContent);
        Assert.Contains("waiting 25 min", queued.TextContent);
        var stuck = page.QuerySelector("[data-testid='attention-stuck'] li[data-dag-id='warehouse'][data-task-id='load']")!;
        Assert.Contains("silent 5 min", stuck.TextContent);
        Assert.Equal("silent over 1 min", page.QuerySelector("[data-testid='attention-stuck'] .attention-hint")!.TextContent);
        Assert.Equal("over 10 min", page.QuerySelector("[data-testid='attention-queued'] .attention-hint")!.TextContent);
    }

    [Fact]
    public void Import_errors_are_listed_by_file_and_line_and_counted_by_file()
    {
        ImportError[] errors =
        [
            new() { Id = 1, FileLocation = "dags/a.yaml", Line = 3, Message = "unknown key 'schedul'" },
            new() { Id = 2, FileLocation = "dags/a.yaml", Line = 9, Message = "duplicate task id 'load'" },
            new() { Id = 3, FileLocation = "dags/b.yaml", Line = null, Message = "not valid YAML" },
        ];

        var page = RenderPage(new NeedsAttention(AttentionList.Empty, AttentionList.Empty, AttentionList.Empty, AttentionList.Empty), errors);

        var card = page.QuerySelector("[data-testid='import-errors']")!;
        Assert.Equal("2", card.QuerySelector(".attention-count")!.TextContent);
        Assert.Equal(["dags/a.yaml:3", "dags/a.yaml:9", "dags/b.yaml"], card.QuerySelectorAll("li[data-file]").Select(li => li.QuerySelector("code")!.TextContent));
        Assert.Equal("9", card.QuerySelector("li[data-file='dags/a.yaml'][data-line='9']")!.GetAttribute("data-line"));
        Assert.Equal("false", page.QuerySelector("[data-testid='needs-attention']")!.GetAttribute("data-clear"));
    }

    [Fact]
    public void Missed_deadlines_link_to_their_run_and_say_when_it_was_due()
    {
        var late = new AttentionItem("hourly_feed", "scheduled__2025-06-15T09:00:00+00:00", null, null, Now.AddHours(-2), false);
        var page = RenderPage(new NeedsAttention(AttentionList.Empty, AttentionList.Empty, AttentionList.Empty, AttentionList.Empty)
        {
            MissedDeadlines = new AttentionList([late], 1),
        });

        var item = page.QuerySelector("[data-testid='attention-missed-deadlines'] li[data-dag-id='hourly_feed']")!;
        Assert.Equal("dags/hourly_feed/grid?run=scheduled__2025-06-15T09%3A00%3A00%2B00%3A00", item.QuerySelector("a")!.GetAttribute("href"));
        Assert.Contains("due 2 h ago", item.TextContent);
        Assert.Contains("Missed deadline", page.QuerySelector("[data-testid='attention-missed-deadlines']")!.TextContent);
    }

    private AngleSharp.Dom.IDocument RenderPage(NeedsAttention report, IReadOnlyList<ImportError>? importErrors = null) =>
        RenderPage<AttentionPanel>(p => p
            .Add(a => a.Report, report)
            .Add(a => a.ImportErrors, importErrors ?? [])
            .Add(a => a.Thresholds, new AttentionThresholds(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(60)))
            .Add(a => a.Now, Now));
}
