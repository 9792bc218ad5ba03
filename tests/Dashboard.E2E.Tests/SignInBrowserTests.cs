using System.Text.RegularExpressions;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// Signing in as a person does it, in the browser: the first-run admin's forced password change,
/// sign-out, an Admin creating and disabling a user, and open circuits losing their rights when
/// their session is revoked elsewhere.
/// </summary>
public sealed partial class SignInBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Password = "a long enough password";

    private readonly StringWriter _console = new();
    private DashboardAppHost _app = null!;

    public async Task InitializeAsync()
    {
        // A random first-run password, as a real install has, and sessions revalidated every second.
        _app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), new Dictionary<string, string?>
        {
            ["Dashboard:AdminPassword"] = "",
            ["Dashboard:SessionRevalidationInterval"] = "00:00:01",
        }, builder => builder.Services.AddSingleton(new FirstRunConsole(_console)));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_first_admin_signs_in_with_the_printed_password_chooses_their_own_and_signs_out()
    {
        var printed = FirstRunPassword().Match(_console.ToString()).Groups["password"].Value;
        var page = await browser.NewPageAsync();

        await page.GotoAsync(new Uri(_app.BaseAddress, "/backfills").ToString());
        await Expect(page).ToHaveURLAsync(new Regex("/signin\\?returnUrl=%2Fbackfills$"));
        await page.GetByLabel("User name").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync("not it at all, sorry");
        await page.GetByTestId("signin-submit").ClickAsync();
        await Expect(page.GetByTestId("signin-message")).ToHaveTextAsync(new Regex("The user name or password is incorrect"));
        await Expect(page.GetByLabel("Password")).ToHaveValueAsync("");
        await Screenshots.SaveAsync(page, "signin.png");

        await page.GetByLabel("User name").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(printed);
        await page.GetByTestId("signin-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/account/password\\?returnUrl=%2Fbackfills$"));
        await Expect(page.GetByTestId("forced-change")).ToBeVisibleAsync();
        await page.GetByLabel("Current password").FillAsync(printed);
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("my own good password");
        await page.GetByLabel("New password, again").FillAsync("my own good password");
        await page.GetByTestId("change-password-submit").ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/backfills$"));
        await page.WaitForCircuitAsync();
        await Expect(page.GetByTestId("user-name")).ToHaveTextAsync("admin");
        await Expect(page.GetByTestId("user-role")).ToHaveTextAsync("Admin");
        await page.GetByTestId("sign-out").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/signin$"));

        await page.GotoAsync(_app.BaseAddress.ToString());
        await Expect(page).ToHaveURLAsync(new Regex("/signin\\?returnUrl=%2F$"));
    }

    [Fact]
    public async Task Signing_out_in_one_tab_ends_the_rights_of_the_users_other_open_circuits()
    {
        await _app.CreateUserAsync("olga", Role.Op, Password);
        var open = await browser.NewPageAsync(_app, "olga", Password);
        var other = await browser.NewPageAsync(_app, "olga", Password);
        await open.GotoAsync(new Uri(_app.BaseAddress, "/backfills").ToString());
        await Expect(open.Locator("main[data-interactive='true']")).ToBeVisibleAsync();
        await other.GotoAsync(_app.BaseAddress.ToString());

        await other.GetByTestId("sign-out").ClickAsync();

        // The open page's circuit revalidates within a second or so, finds the session over and leaves for sign-in.
        await Expect(open).ToHaveURLAsync(new Regex("/signin\\?returnUrl=%2Fbackfills$"));
    }

    [Fact]
    public async Task An_admin_creates_a_user_who_signs_in_with_the_password_shown_once_and_is_then_disabled()
    {
        await _app.CreateUserAsync("root2", Role.Admin, Password);
        var admin = await browser.NewPageAsync(_app, "root2", Password);
        await admin.GotoAsync(new Uri(_app.BaseAddress, "/admin/users").ToString());
        await Expect(admin.Locator("main[data-interactive='true']")).ToBeVisibleAsync();

        await admin.GetByTestId("new-user-name").FillAsync("pat");
        await admin.GetByTestId("create-user").ClickAsync();
        var shown = admin.GetByTestId("one-time-password-value");
        await Expect(shown).ToHaveTextAsync(new Regex("^[A-Za-z0-9]{20}$"));
        var password = await shown.TextContentAsync();
        var row = admin.Locator("tr[data-user='pat']");
        await Expect(row).ToHaveAttributeAsync("data-role", "Viewer");
        await Expect(row).ToHaveAttributeAsync("data-status", "must-change-password");
        await Screenshots.SaveAsync(admin, "users.png");

        var pat = await browser.NewPageAsync();
        await pat.GotoAsync(new Uri(_app.BaseAddress, "/signin").ToString());
        await pat.GetByLabel("User name").FillAsync("pat");
        await pat.GetByLabel("Password").FillAsync(password!);
        await pat.GetByTestId("signin-submit").ClickAsync();
        await pat.GetByLabel("Current password").FillAsync(password!);
        await pat.GetByLabel("New password", new() { Exact = true }).FillAsync("pats own password");
        await pat.GetByLabel("New password, again").FillAsync("pats own password");
        await pat.GetByTestId("change-password-submit").ClickAsync();
        await Expect(pat.GetByTestId("user-role")).ToHaveTextAsync("Viewer");
        await Expect(pat.Locator("main[data-interactive='true']")).ToBeVisibleAsync();

        await admin.ReloadAsync();
        await Expect(admin.Locator("main[data-interactive='true']")).ToBeVisibleAsync();
        await Expect(row).ToHaveAttributeAsync("data-status", "active");
        await row.GetByTestId("user-disable").ClickAsync();
        await admin.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Disable", Exact = true }).ClickAsync();
        await Expect(row).ToHaveAttributeAsync("data-status", "disabled");

        // Pat's open page loses its session at the next revalidation.
        await Expect(pat).ToHaveURLAsync(new Regex("/signin\\?returnUrl="));
    }

    [GeneratedRegex(@"one-time password (?<password>[A-Za-z0-9]{20}) ")]
    private static partial Regex FirstRunPassword();
}
