using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// An Op opens Admin → Notifications in the real app, sends a test to a webhook channel and watches
/// the app's own delivery worker deliver it to a real receiver; a Viewer is refused. The page is left
/// as pictures in artifacts/screenshots/notifications.
/// </summary>
public sealed class NotificationsBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Password = "a password of the right length";

    private EngineHarness _engine = null!;
    private WebhookReceiver _hook = null!;
    private DashboardAppHost _app = null!;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        _hook = await WebhookReceiver.StartAsync();
        _app = await DashboardAppHost.StartAsync(_engine.ConnectionString, new Dictionary<string, string?>
        {
            ["Notifications:Channels:ops_hook:Kind"] = "webhook",
            ["Notifications:Channels:ops_hook:Url"] = _hook.Url,
            ["Notifications:Channels:team_chat:Kind"] = "webhook",
            ["Notifications:Channels:team_chat:Format"] = "slack",
            ["Notifications:Channels:team_chat:Url"] = "https://hooks.slack.example/services/T000/B000/SECRETPATH",
            ["Notifications:Channels:oncall:Kind"] = "email",
            ["Notifications:Channels:oncall:Connection"] = "smtp_relay",
            ["Notifications:Channels:oncall:From"] = "dashboard@example.test",
            ["Notifications:Channels:oncall:To:0"] = "oncall@example.test",
        });
        await _app.CreateUserAsync("otto", Role.Op, Password);
        await _app.CreateUserAsync("vera", Role.Viewer, Password);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _hook.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task An_op_sends_a_test_that_the_apps_worker_delivers_and_a_viewer_is_refused()
    {
        var op = await browser.NewPageAsync(_app, "otto", Password);
        await op.SetViewportSizeAsync(1440, 900);
        await op.GotoAsync(_app.BaseAddress.ToString());
        await op.WaitForCircuitAsync();
        await op.GetByRole(AriaRole.Link, new() { Name = "Notifications" }).ClickAsync();
        await Expect(op.GetByTestId("channels")).ToBeVisibleAsync();
        Assert.DoesNotContain("SECRETPATH", await op.ContentAsync());

        await op.Locator("tr:has([data-channel='ops_hook'])").GetByTestId("send-test").ClickAsync();
        await Eventually.HoldsAsync(() => Task.FromResult(_hook.Received.Count == 1), "the app's worker delivers the test");
        await op.GetByTestId("refresh").ClickAsync();
        await Expect(op.GetByTestId("delivery-state")).ToHaveTextAsync("delivered");

        foreach (var (scheme, theme) in new[] { (ColorScheme.Light, "light"), (ColorScheme.Dark, "dark") })
        {
            await op.EmulateMediaAsync(new() { ColorScheme = scheme });
            await op.GotoAsync(new Uri(_app.BaseAddress, "admin/notifications").ToString());
            await Expect(op.Locator($"main[data-interactive='true'][data-theme='{theme}']")).ToBeVisibleAsync();
            await Expect(op.GetByTestId("deliveries")).ToBeVisibleAsync();
            await Screenshots.SaveAsync(op, Path.Combine("notifications", $"1440-{theme}-notifications.png"));
        }

        var viewer = await browser.NewPageAsync(_app, "vera", Password);
        await viewer.GotoAsync(new Uri(_app.BaseAddress, "admin/notifications").ToString());
        await viewer.WaitForCircuitAsync();
        await Expect(viewer.GetByTestId("notifications-refused")).ToContainTextAsync("you have the Viewer role");
        await Expect(viewer.GetByRole(AriaRole.Link, new() { Name = "Notifications" })).ToHaveCountAsync(0);
        Assert.DoesNotContain("ops_hook", await viewer.ContentAsync());
    }
}
