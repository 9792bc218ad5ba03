using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Dashboard.Core.Auditing;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Security;
using Dashboard.Testing;

namespace Dashboard.Web.Tests;

/// <summary>
/// What a Viewer is shown: everything, with every state-changing button disabled and saying why,
/// and no audit log beyond each DAG's tab. The services refuse such actions anyway (RolePermissionTests).
/// </summary>
public sealed class RoleAwarePagesTests(RoleAwarePagesTests.App app) : IClassFixture<RoleAwarePagesTests.App>
{
    private const string ViewerPassword = "victor's own password";

    public sealed class App : IAsyncLifetime
    {
        public EngineHarness Engine { get; private set; } = null!;

        public DashboardAppHost Host { get; private set; } = null!;

        public string RunId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Engine = await EngineHarness.CreateAsync();
            await Engine.AddDagAsync("""
                dag_id: watched
                schedule: "@daily"
                start_date: 2026-01-01
                tasks:
                  - {id: only, kind: empty}
                """, unpause: false);
            var day = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
            RunId = (await Engine.CreateRunsAsync("watched", EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day, day.AddDays(1))))).Keys.Single();
            await using (var db = Engine.CreateContext())
            {
                AuditWriter.Record(db, day, Actors.Admin("alice"), "dag.pause", "watched", 1);
                await db.SaveChangesAsync();
            }

            Host = await DashboardAppHost.StartAsync(Engine.ConnectionString);
            await Host.CreateUserAsync("victor", Role.Viewer, ViewerPassword);
        }

        public async Task DisposeAsync()
        {
            await Host.DisposeAsync();
            await Engine.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_viewer_sees_the_grid_with_clear_and_mark_disabled_and_told_why()
    {
        var page = await GetAsync($"/dags/watched/grid?run={Uri.EscapeDataString(app.RunId)}&task=only");

        var actions = page.QuerySelector("[data-testid='ti-panel'] .panel-actions")!;
        Assert.Equal("Needs the User role; you have the Viewer role.", actions.GetAttribute("title"));
        foreach (var button in new[] { "ti-clear", "ti-mark-success", "ti-mark-failed" })
        {
            Assert.True(actions.QuerySelector($"[data-testid='{button}']")!.HasAttribute("disabled"), button);
        }

        Assert.True(page.QuerySelector("[data-testid='trigger']")!.HasAttribute("disabled"));
        Assert.Equal("Needs the Op role; you have the Viewer role.", page.QuerySelector("[data-testid='backfill']")!.GetAttribute("title"));
    }

    [Fact]
    public async Task A_viewer_cannot_pause_dags_or_read_the_whole_audit_log_but_sees_a_dags_tab()
    {
        var list = await GetAsync("/");
        var audit = await GetAsync("/audit");
        var tab = await GetAsync("/dags/watched/audit");

        Assert.Contains("Needs the Op role", list.QuerySelector("[data-dag-id='watched'] [data-testid='pause-toggle']")!.GetAttribute("title"));
        Assert.Empty(list.QuerySelectorAll("nav a[href='audit'], nav a[href='admin/users'], .mud-drawer a[href='audit'], .mud-drawer a[href='admin/users']"));
        Assert.NotNull(list.QuerySelector(".mud-drawer a[href='backfills']"));
        Assert.Null(audit.QuerySelector("[data-testid='audit-log']"));
        Assert.Contains("The audit log is for Admins", audit.Body!.TextContent);
        Assert.Equal("1", tab.QuerySelector("[data-testid='audit-log']")!.GetAttribute("data-total"));
    }

    private async Task<IDocument> GetAsync(string path)
    {
        using var client = await app.Host.CreateSignedInClientAsync("victor", ViewerPassword);
        return new HtmlParser().ParseDocument(await client.GetStringAsync(path));
    }
}
