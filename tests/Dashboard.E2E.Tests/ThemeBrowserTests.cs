using Dashboard.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The theme as a person switches it: the theme menu turns the page dark at once, the next page opens
/// dark from its first paint, and "as the system" follows the system's preference while the page is
/// open. The theme's variables come from two cached stylesheets; the dark one is switched on by its
/// media attribute.
/// </summary>
public sealed class ThemeBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    // The palettes' backgrounds in DashboardTheme: #f6f7fb and #121420.
    private const string LightBackground = "rgb(246, 247, 251)";
    private const string DarkBackground = "rgb(18, 20, 32)";

    private DashboardAppHost _app = null!;

    public async Task InitializeAsync() => _app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync());

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_theme_menu_switches_the_page_and_the_next_page_opens_in_the_chosen_theme()
    {
        var page = await browser.NewPageAsync(_app);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        await page.GotoAsync(_app.BaseAddress.ToString());
        await Expect(page.Locator("main[data-interactive='true'][data-theme='light']")).ToBeVisibleAsync();
        Assert.Equal(LightBackground, await BackgroundAsync(page));

        await ChooseAsync(page, "theme-dark");
        await Expect(page.Locator("main[data-theme='dark']")).ToBeVisibleAsync();
        await Expect(page.Locator("#theme-dark")).ToHaveAttributeAsync("media", "all");
        Assert.Equal(DarkBackground, await BackgroundAsync(page));

        // The next page is dark in its prerendered HTML, before any circuit: no light flash.
        var response = await page.GotoAsync(new Uri(_app.BaseAddress, "backfills").ToString());
        Assert.Contains("id=\"theme-dark\" media=\"all\"", await response!.TextAsync());
        await page.WaitForCircuitAsync();
        Assert.Equal(DarkBackground, await BackgroundAsync(page));

        // "As the system" follows the system's preference while the page stays open.
        await ChooseAsync(page, "theme-system");
        await Expect(page.Locator("main[data-theme='light']")).ToBeVisibleAsync();
        Assert.Equal(LightBackground, await BackgroundAsync(page));
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await Expect(page.Locator("main[data-theme='dark']")).ToBeVisibleAsync();
        Assert.Equal(DarkBackground, await BackgroundAsync(page));
    }

    private static async Task ChooseAsync(IPage page, string item)
    {
        await page.GetByTestId("theme-menu").ClickAsync();
        await page.GetByTestId(item).ClickAsync();
    }

    private static Task<string> BackgroundAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
}
