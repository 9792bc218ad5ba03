using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.Testing;

/// <summary>
/// Debian's Chromium driven by Playwright (Playwright's own browser downloads are not possible
/// here). DASHBOARD_CHROMIUM overrides the executable.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>
    /// How long an expectation waits for its condition. Generous, so that a machine busy with other
    /// work slows a test down rather than failing it; a condition that never holds still fails.
    /// </summary>
    public static readonly TimeSpan ExpectTimeout = TimeSpan.FromSeconds(20);

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout((float)ExpectTimeout.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            Headless = true,
            ExecutablePath = ChromiumPath(),
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
            ],
        });
    }

    /// <summary>A fresh page (own cookies and storage) at a desktop size, signed out.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        return await context.NewPageAsync();
    }

    /// <summary>
    /// A fresh page signed in to <paramref name="app"/> as <paramref name="userName"/> (the admin by
    /// default). The sign-in goes through the real form once per app and user; every page after
    /// that starts with its session cookie, as a browser that signed in before would.
    /// </summary>
    public async Task<IPage> NewPageAsync(DashboardAppHost app, string userName = DashboardAppHost.AdminUserName, string password = DashboardAppHost.AdminPassword)
    {
        var page = await NewPageAsync();
        var session = await app.SessionCookieAsync(userName, password);
        await page.Context.AddCookiesAsync(
        [
            new Cookie { Name = session.Name, Value = session.Value, Url = app.BaseAddress.GetLeftPart(UriPartial.Authority), HttpOnly = true, SameSite = SameSiteAttribute.Lax },
        ]);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    private static string ChromiumPath()
    {
        var configured = Environment.GetEnvironmentVariable("DASHBOARD_CHROMIUM");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        foreach (var candidate in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("Chromium is not installed: `apt-get install -y chromium`, or set DASHBOARD_CHROMIUM.");
    }
}
