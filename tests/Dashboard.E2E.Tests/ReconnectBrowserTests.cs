using System.Net;
using System.Net.Sockets;
using Dashboard.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The server goes away under an open page and comes back: the page says it lost the connection
/// (and nothing else on it can be clicked), then carries on by itself once the server is back.
/// </summary>
public sealed class ReconnectBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_page_whose_server_restarts_shows_the_reconnect_dialog_then_carries_on_by_itself()
    {
        var home = TestPostgres.ScratchDirectory("reconnect");
        Directory.CreateDirectory(Path.Combine(home, "dags"));
        await File.WriteAllTextAsync(Path.Combine(home, "dags", "steady.yaml"), """
            dag_id: steady
            schedule: null
            tasks:
              - id: only
                command: echo hi
            """);
        // The restarted app must answer on the address the page knows.
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Dashboard"] = await TestPostgres.CreateDatabaseAsync(),
            ["Dashboard__AdminPassword"] = DashboardAppHost.AdminPassword,
            ["Urls"] = $"http://127.0.0.1:{FreePort()}",
        };

        var page = await browser.NewPageAsync();
        var dialog = page.Locator("#components-reconnect-modal");
        await using (var first = AppProcess.Start(home, settings))
        {
            var address = await first.WaitUntilListeningAsync();
            await page.GotoAsync(address.ToString());
            await page.GetByLabel("User name").FillAsync(DashboardAppHost.AdminUserName);
            await page.GetByLabel("Password").FillAsync(DashboardAppHost.AdminPassword);
            await page.GetByTestId("signin-submit").ClickAsync();
            await Expect(page.Locator("tr[data-dag-id='steady']")).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await page.WaitForCircuitAsync();
            await Expect(dialog).ToBeHiddenAsync();

            first.Kill();
            await first.WaitForExitAsync();
        }

        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog).ToContainTextAsync("Connection to the server lost");
        await Screenshots.SaveAsync(page, "reconnect.png");

        // The new process knows nothing of the old circuit: the page reloads itself onto a fresh one.
        await using var second = AppProcess.Start(home, settings);
        await second.WaitUntilListeningAsync();
        await Expect(dialog).ToBeHiddenAsync(new() { Timeout = 120_000 });
        await Expect(page.Locator("main[data-interactive='true']")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(page.Locator("tr[data-dag-id='steady']")).ToBeVisibleAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
