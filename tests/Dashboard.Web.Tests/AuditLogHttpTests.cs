using AngleSharp.Html.Parser;
using Dashboard.Core.Auditing;
using Dashboard.Testing;

namespace Dashboard.Web.Tests;

/// <summary>The audit log as the server renders it from the URL: filters, paging and the per-DAG tab.</summary>
public sealed class AuditLogHttpTests(AuditLogHttpTests.App app) : IClassFixture<AuditLogHttpTests.App>
{
    public sealed class App : PostgresDatabaseFixture
    {
        public DashboardAppHost Host { get; private set; } = null!;

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            var at = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
            await using (var db = CreateContext())
            {
                await TestData.AddDagAsync(db, "orders");
                await TestData.AddDagAsync(db, "billing");
                for (var i = 0; i < 60; i++)
                {
                    AuditWriter.Record(db, at.AddMinutes(i), Actors.Admin(i % 2 == 0 ? "alice" : "bob"), "task_instance.clear", "orders", i,
                        runIds: [$"run_{i}"], taskIds: ["check"]);
                }

                AuditWriter.Record(db, at.AddDays(1), Actors.Admin("carol"), "dag.pause", "billing", 1, note: "month end");
                await db.SaveChangesAsync();
            }

            Host = await DashboardAppHost.StartAsync(ConnectionString);
        }

        public override async Task DisposeAsync() => await Host.DisposeAsync();
    }

    [Fact]
    public async Task The_newest_actions_come_first_fifty_to_a_page()
    {
        var page = await GetAsync("/audit");

        // The 61 seeded rows, and the newest: the app's first start creating its admin.
        var table = page.QuerySelector("[data-testid='audit-log']")!;
        Assert.Equal("62", table.GetAttribute("data-total"));
        var rows = table.QuerySelectorAll("tbody tr");
        Assert.Equal(50, rows.Length);
        Assert.Equal(("user.create", "system"), (rows[0].GetAttribute("data-action"), rows[0].GetAttribute("data-actor")));
        Assert.Equal(("dag.pause", "carol"), (rows[1].GetAttribute("data-action"), rows[1].GetAttribute("data-actor")));
        Assert.Contains("month end", rows[1].TextContent);

        var second = await GetAsync("/audit?page=2");
        Assert.Equal(12, second.QuerySelectorAll("[data-testid='audit-log'] tbody tr").Length);
        Assert.Contains("run_0", second.QuerySelectorAll("[data-testid='audit-log'] tbody tr").Last().TextContent);
    }

    [Fact]
    public async Task Filters_by_user_action_dag_and_time_come_from_the_url()
    {
        var bob = await GetAsync("/audit?user=bob");
        var pauses = await GetAsync("/audit?action=dag.pause");
        var billing = await GetAsync("/audit?dag=billing");
        var lateOnly = await GetAsync("/audit?from=2026-11-02&to=2026-11-02");

        Assert.Equal("30", Total(bob));
        Assert.All(bob.QuerySelectorAll("tbody tr"), row => Assert.Equal("bob", row.GetAttribute("data-actor")));
        Assert.Equal("1", Total(pauses));
        Assert.Equal("1", Total(billing));
        Assert.Equal("1", Total(lateOnly));
    }

    [Fact]
    public async Task A_dags_audit_tab_shows_only_its_own_actions()
    {
        var page = await GetAsync("/dags/billing/audit");

        Assert.Equal("1", Total(page));
        Assert.Equal("page", page.QuerySelector("[data-testid='tab-audit']")!.GetAttribute("aria-current"));
    }

    private static string Total(AngleSharp.Dom.IDocument page) =>
        page.QuerySelector("[data-testid='audit-log']")?.GetAttribute("data-total") ?? "0";

    private async Task<AngleSharp.Dom.IDocument> GetAsync(string path)
    {
        using var client = await app.Host.CreateSignedInClientAsync();
        return new HtmlParser().ParseDocument(await client.GetStringAsync(path));
    }
}
