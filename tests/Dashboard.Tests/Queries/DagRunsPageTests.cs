using Dashboard.Core.Domain;
using Dashboard.Core.Queries;
using Dashboard.Testing;

namespace Dashboard.Tests.Queries;

public sealed class DagRunsPageTests(DagRunsPageTests.SixtyRuns database) : IClassFixture<DagRunsPageTests.SixtyRuns>
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly DagRunsQuery _query = new(database.DbFactory);

    /// <summary>
    /// 60 daily runs: every third is manual, every fifth of the others a backfill run, the rest
    /// scheduled; every fourth failed. Another DAG's runs must never show.
    /// </summary>
    public sealed class SixtyRuns : PostgresDatabaseFixture
    {
        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await using var db = CreateContext();
            await TestData.AddDagAsync(db, "paged");
            await TestData.AddDagAsync(db, "neighbour");
            for (var day = 0; day < 60; day++)
            {
                await TestData.AddRunAsync(db, "paged", $"run_{day:00}", StateOf(day), TypeOf(day), logicalDate: Start.AddDays(day));
            }

            await TestData.AddRunAsync(db, "neighbour", "other", DagRunState.Failed, DagRunType.Manual, logicalDate: Start);
        }
    }

    [Fact]
    public async Task Pages_run_newest_first_with_the_total()
    {
        var first = await _query.PageAsync("paged", skip: 0, take: 25);
        var last = await _query.PageAsync("paged", skip: 50, take: 25);

        Assert.Equal(60, first.TotalCount);
        Assert.Equal(Enumerable.Range(35, 25).Reverse().Select(d => $"run_{d:00}"), first.Rows.Select(r => r.RunId));
        Assert.Equal(Enumerable.Range(0, 10).Reverse().Select(d => $"run_{d:00}"), last.Rows.Select(r => r.RunId));
        Assert.Equal((Start.AddDays(59), Start.AddDays(60)), (first.Rows[0].LogicalDate!.Value, first.Rows[0].RunAfter));
    }

    [Fact]
    public async Task Filters_by_run_type_and_state_count_only_the_matching_runs()
    {
        var manual = await _query.PageAsync("paged", 0, 100, runType: DagRunType.Manual);
        var failedScheduled = await _query.PageAsync("paged", 0, 5, runType: DagRunType.Scheduled, state: DagRunState.Failed);

        var expectedManual = Enumerable.Range(0, 60).Where(d => TypeOf(d) == DagRunType.Manual).ToList();
        Assert.Equal(expectedManual.Count, manual.TotalCount);
        Assert.All(manual.Rows, r => Assert.Equal((DagRunType.Manual, "alice"), (r.RunType, r.TriggeringUserName)));

        var expectedFailedScheduled = Enumerable.Range(0, 60).Where(d => TypeOf(d) == DagRunType.Scheduled && StateOf(d) == DagRunState.Failed)
            .Reverse().Select(d => $"run_{d:00}").ToList();
        Assert.Equal(expectedFailedScheduled.Count, failedScheduled.TotalCount);
        Assert.Equal(expectedFailedScheduled.Take(5), failedScheduled.Rows.Select(r => r.RunId));
    }

    [Fact]
    public async Task An_unknown_dag_has_no_runs()
    {
        var page = await _query.PageAsync("no_such_dag", 0, 25);

        Assert.Equal((0, 0), (page.TotalCount, page.Rows.Count));
    }

    [Fact]
    public void A_run_lasts_from_its_start_to_its_end_or_until_now_while_it_runs()
    {
        var started = new RunListRow("r", DagRunType.Manual, DagRunState.Running, null, Start, Start, null, DagRunTriggeredBy.Ui, null);

        Assert.Equal(TimeSpan.FromMinutes(3), started.Duration(Start.AddMinutes(3)));
        Assert.Equal(TimeSpan.FromMinutes(1), (started with { EndDate = Start.AddMinutes(1) }).Duration(Start.AddHours(1)));
        Assert.Null((started with { StartDate = null }).Duration(Start));
    }

    private static DagRunType TypeOf(int day) => day % 3 == 0 ? DagRunType.Manual : day % 5 == 0 ? DagRunType.Backfill : DagRunType.Scheduled;

    private static DagRunState StateOf(int day) => day % 4 == 0 ? DagRunState.Failed : DagRunState.Success;
}
