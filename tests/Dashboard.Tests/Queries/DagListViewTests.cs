using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Queries;

namespace Dashboard.Tests.Queries;

public sealed class DagListViewTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 15, 12, 0, 0, TimeSpan.Zero);

    private static readonly DagSummary[] Dags =
    [
        Dag("taxi_pipeline", tags: ["taxi", "warehouse"], nextRunIn: TimeSpan.FromDays(10), failed: 3, latest: DagRunState.Failed),
        Dag("hello_world", tags: ["example"], nextRunIn: TimeSpan.FromHours(2), running: 2, latest: DagRunState.Running),
        Dag("export_table", tags: ["warehouse"], paused: true, nextRunIn: null, failed: 1, latest: DagRunState.Success),
        Dag("daily_report", tags: ["reports"], paused: true, nextRunIn: TimeSpan.FromHours(12)),
    ];

    [Fact]
    public void By_default_every_dag_shows_in_name_order() =>
        Assert.Equal(["daily_report", "export_table", "hello_world", "taxi_pipeline"], Ids(new DagListView()));

    [Theory]
    [InlineData(DagStatusFilter.Failed, new[] { "taxi_pipeline" })]
    [InlineData(DagStatusFilter.Running, new[] { "hello_world" })]
    [InlineData(DagStatusFilter.Paused, new[] { "daily_report", "export_table" })]
    [InlineData(DagStatusFilter.Active, new[] { "hello_world", "taxi_pipeline" })]
    public void The_status_filter_keeps_the_dags_in_that_status(DagStatusFilter status, string[] expected) =>
        Assert.Equal(expected, Ids(new DagListView(Status: status)));

    [Fact]
    public void The_text_matches_names_and_tags_and_the_tag_matches_whole_tags()
    {
        Assert.Equal(["export_table", "taxi_pipeline"], Ids(new DagListView(Text: "WARE")));
        Assert.Equal(["hello_world"], Ids(new DagListView(Text: "hello")));
        Assert.Equal(["export_table", "taxi_pipeline"], Ids(new DagListView(Tag: "Warehouse")));
        Assert.Empty(Ids(new DagListView(Tag: "ware")));
        Assert.Equal(["export_table"], Ids(new DagListView(Tag: "warehouse", Status: DagStatusFilter.Paused)));
    }

    [Fact]
    public void Sorting_by_next_run_puts_dags_without_one_last_either_way()
    {
        Assert.Equal(["hello_world", "daily_report", "taxi_pipeline", "export_table"], Ids(new DagListView(Sort: DagListSort.NextRun)));
        Assert.Equal(["taxi_pipeline", "daily_report", "hello_world", "export_table"],
            Ids(new DagListView(Sort: DagListSort.NextRun, Descending: true)));
    }

    [Fact]
    public void Sorting_by_a_count_breaks_ties_by_name()
    {
        Assert.Equal(["taxi_pipeline", "export_table", "daily_report", "hello_world"], Ids(new DagListView(Sort: DagListSort.Failed, Descending: true)));
        Assert.Equal(["hello_world", "daily_report", "export_table", "taxi_pipeline"], Ids(new DagListView(Sort: DagListSort.Running, Descending: true)));
        Assert.Equal(["taxi_pipeline", "hello_world", "export_table", "daily_report"], Ids(new DagListView(Sort: DagListSort.Name, Descending: true)));
    }

    [Fact]
    public void Counts_read_largest_first_and_names_and_dates_from_the_start() =>
        Assert.Equal([false, false, true, true], Enum.GetValues<DagListSort>().Select(DagListView.DescendingByDefault));

    private static string[] Ids(DagListView view) => view.Apply(Dags).Select(d => d.DagId).ToArray();

    private static DagSummary Dag(
        string id, string[] tags, TimeSpan? nextRunIn, bool paused = false, int failed = 0, int running = 0, DagRunState? latest = null) =>
        new(id, null, "@daily", "UTC", tags, paused,
            nextRunIn is { } wait ? new DataInterval(Now + wait - TimeSpan.FromDays(1), Now + wait) : null,
            failed, running,
            latest is { } state ? [new RunStateSummary($"{id}_latest", state, Now)] : []);
}
