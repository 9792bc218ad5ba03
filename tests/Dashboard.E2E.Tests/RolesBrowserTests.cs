using System.Text.RegularExpressions;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The four roles in one story, each in a browser of their own: a Viewer watches and cannot clear,
/// a User clears, an Op backfills, an Admin finds both actions in the audit log under the right
/// names. And a Viewer who re-enables the disabled controls in the browser is refused by the server.
/// </summary>
public sealed class RolesBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Dag = "shared";
    private const string Password = "a password of the right length";

    private EngineHarness _engine = null!;
    private DashboardAppHost _app = null!;
    private string _run = "";

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        await _engine.AddDagAsync("""
            dag_id: shared
            schedule: "@daily"
            start_date: 2024-01-01
            catchup: false
            tasks:
              - {id: load, command: 'echo loaded'}
            """, unpause: false);
        var day = new DateTimeOffset(2024, 1, 10, 0, 0, 0, TimeSpan.Zero);
        _run = (await _engine.CreateRunsAsync(Dag, EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day, day.AddDays(1))))).Keys.Single();
        await using (var db = _engine.CreateContext())
        {
            await db.TaskInstances.ExecuteUpdateAsync(s => s.SetProperty(t => t.State, TaskInstanceState.Failed).SetProperty(t => t.TryNumber, 1));
            await db.DagRuns.ExecuteUpdateAsync(s => s.SetProperty(r => r.State, DagRunState.Failed));
        }

        _app = await DashboardAppHost.StartAsync(_engine.ConnectionString);
        await _app.CreateUserAsync("vera", Role.Viewer, Password);
        await _app.CreateUserAsync("ursula", Role.User, Password);
        await _app.CreateUserAsync("otto", Role.Op, Password);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task A_viewer_watches_a_user_clears_an_op_backfills_and_an_admin_reads_both_in_the_audit_log()
    {
        var viewer = await OpenGridAsync("vera");
        await Cell(viewer).ClickAsync();
        await Expect(viewer.GetByTestId("ti-panel")).ToContainTextAsync("failed");
        foreach (var button in new[] { "ti-clear", "ti-mark-success", "ti-mark-failed", "trigger", "backfill" })
        {
            await Expect(viewer.GetByTestId(button)).ToBeDisabledAsync();
        }

        await Expect(viewer.Locator("[data-testid='ti-panel'] .panel-actions")).ToHaveAttributeAsync("title", "Needs the User role; you have the Viewer role.");
        await viewer.Context.CloseAsync();

        var user = await OpenGridAsync("ursula");
        await Expect(user.GetByTestId("backfill")).ToHaveAttributeAsync("title", "Needs the Op role; you have the User role.");
        await Cell(user).ClickAsync();
        await user.GetByTestId("ti-clear").ClickAsync();
        var clear = user.GetByRole(AriaRole.Dialog);
        await Expect(clear.GetByTestId("affected")).ToContainTextAsync("Task instances to clear: 1");
        await clear.GetByTestId("action-note").FillAsync("source fixed");
        await clear.GetByTestId("action-confirm").ClickAsync();
        await Expect(clear).ToBeHiddenAsync();
        await Expect(Cell(user)).ToHaveAttributeAsync("data-state", "none");
        await user.Context.CloseAsync();

        var op = await OpenGridAsync("otto");
        await op.GetByTestId("backfill").ClickAsync();
        var backfill = op.GetByRole(AriaRole.Dialog);
        await MudControls.FillDateAsync(backfill.GetByTestId("backfill-from"), "2024-02-01");
        await MudControls.FillDateAsync(backfill.GetByTestId("backfill-to"), "2024-02-03");
        await Expect(backfill.GetByTestId("backfill-summary")).ToHaveTextAsync("3 runs will be created, 0 re-run, 0 skipped");
        await backfill.GetByTestId("backfill-submit").ClickAsync();
        await Expect(backfill).ToBeHiddenAsync();
        await Expect(op.Locator("[data-run-header][data-run-type='backfill']")).ToHaveCountAsync(3);
        await op.Context.CloseAsync();

        var admin = await browser.NewPageAsync(_app);
        await admin.SetViewportSizeAsync(1440, 900);
        await admin.GotoAsync(new Uri(_app.BaseAddress, "/audit").ToString());
        var log = admin.GetByTestId("audit-log");
        var cleared = log.Locator("tr[data-action='task_instance.clear']");
        var backfilled = log.Locator("tr[data-action='backfill.create']");
        await Expect(cleared).ToHaveAttributeAsync("data-actor", "ursula");
        await Expect(cleared).ToContainTextAsync("source fixed");
        await Expect(backfilled).ToHaveAttributeAsync("data-actor", "otto");
        // The details column shows the options as short pairs and keeps the whole JSON in its title.
        await Expect(backfilled.Locator(".audit-chip").Filter(new() { HasTextRegex = new Regex(@"^\s*created:\s+3\s*$") })).ToHaveCountAsync(1);
        await Expect(backfilled.GetByTestId("audit-details")).ToHaveAttributeAsync("title", new Regex("\"created\": 3\\b"));
        await Screenshots.SaveAsync(admin, "audit-log.png");
    }

    [Fact]
    public async Task A_viewer_who_re_enables_the_controls_in_the_browser_is_refused_by_the_server_and_nothing_changes()
    {
        var page = await browser.NewPageAsync(_app, "vera", Password);
        await page.GotoAsync(new Uri(_app.BaseAddress, "/").ToString());
        await page.WaitForCircuitAsync();

        // The switch's Disabled is a server-side parameter: the click arrives and is ignored.
        var toggle = page.Locator($"[data-dag-id='{Dag}']").GetByTestId("pause-toggle");
        await ForceClickAsync(toggle);
        await Expect(toggle).ToHaveAttributeAsync("aria-checked", "false");

        // On in the same circuit, so everything after runs after that click was handled.
        await page.GetByRole(AriaRole.Link, new() { Name = Dag, Exact = true }).ClickAsync();
        await Expect(page.Locator("[data-testid='grid'][data-ready='true']")).ToBeVisibleAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await Cell(page).ClickAsync();

        // A disabled button made clickable by hand: its Disabled is a server-side parameter too, so the
        // click arrives and is ignored, and no dialog opens (the services would refuse the change anyway).
        await ForceClickAsync(page.GetByTestId("ti-clear"));
        await ForceClickAsync(page.GetByTestId("trigger"));

        // A shortcut is a circuit event like any other: it says why instead of opening a dialog. It comes
        // after those clicks, so once it has answered they were handled, and none of them opened anything.
        await page.Keyboard.PressAsync("Shift+C");
        await Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Needs the User role; you have the Viewer role.");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);

        await using var db = _engine.CreateContext();
        Assert.Equal(TaskInstanceState.Failed, (await db.TaskInstances.SingleAsync()).State);
        Assert.Equal(1, await db.DagRuns.CountAsync());
        Assert.True((await db.Dags.SingleAsync()).IsPaused);
        Assert.False(await db.AuditLog.AnyAsync(a => a.Actor == "vera"));
    }

    [Fact]
    public async Task A_user_who_re_enables_the_backfill_button_is_refused_by_the_server_and_nothing_is_created()
    {
        var page = await OpenGridAsync("ursula");

        // The button's Disabled is a server-side parameter: the click arrives and is ignored, no form opens.
        await ForceClickAsync(page.GetByTestId("backfill"));

        // On in the same circuit: once the cell's panel is open, that click was handled.
        await Cell(page).ClickAsync();
        await Expect(page.GetByTestId("ti-panel")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);

        await using var db = _engine.CreateContext();
        Assert.False(await db.Backfills.AnyAsync());
        Assert.Equal(1, await db.DagRuns.CountAsync());
        Assert.False(await db.AuditLog.AnyAsync(a => a.Actor == "ursula"));
    }

    private async Task<IPage> OpenGridAsync(string userName)
    {
        var page = await browser.NewPageAsync(_app, userName, Password);
        await page.SetViewportSizeAsync(1440, 900);
        await page.GotoAsync(new Uri(_app.BaseAddress, $"/dags/{Dag}/grid").ToString());
        await Expect(page.Locator("[data-testid='grid'][data-ready='true']")).ToBeVisibleAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        return page;
    }

    private ILocator Cell(IPage page) => page.Locator($"[data-cell][data-task-id='load'][data-run-id='{_run}']");

    /// <summary>What someone with the browser's developer tools can do: drop the disabled attribute, then click.</summary>
    private static async Task ForceClickAsync(ILocator control)
    {
        await control.EvaluateAsync("e => { e.disabled = false; e.classList.remove('mud-disabled'); e.querySelectorAll('[disabled]').forEach(d => d.disabled = false); }");
        await control.ClickAsync();
    }
}
