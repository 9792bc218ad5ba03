using System.Net;
using AngleSharp.Html.Parser;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests.Security;

/// <summary>What a browser meets over HTTP: nothing but the sign-in page signed out, sign-in and its refusals, roles, sign-out.</summary>
public sealed class SignInHttpTests(SignInHttpTests.App app) : IClassFixture<SignInHttpTests.App>
{
    private const string Password = "a long enough password";

    private static readonly TimeSpan RevalidationInterval = TimeSpan.FromMinutes(1);

    public sealed class App : PostgresDatabaseFixture
    {
        public DashboardAppHost Host { get; private set; } = null!;

        /// <summary>The app's clock: a test steps it past the revalidation interval instead of waiting that long.</summary>
        public TestClock Clock { get; } = new();

        public void PassRevalidationInterval() => Clock.Advance(RevalidationInterval + TimeSpan.FromSeconds(1));

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            await using (var db = CreateContext())
            {
                await TestData.AddDagAsync(db, "x", paused: false);
            }

            // The app runs as it would behind a TLS-terminating proxy, trusting its X-Forwarded-* headers.
            Host = await DashboardAppHost.StartAsync(ConnectionString, new Dictionary<string, string?>
            {
                ["Dashboard:SessionRevalidationInterval"] = RevalidationInterval.ToString(),
                ["ForwardedHeaders_Enabled"] = "true",
            }, builder => builder.Services.AddSingleton<TimeProvider>(Clock));
        }

        public override async Task DisposeAsync() => await Host.DisposeAsync();
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("https", true)]
    public async Task The_session_cookie_is_http_only_lax_and_secure_when_the_request_came_over_https(string? forwardedProto, bool secure)
    {
        using var client = app.Host.CreateClient(followRedirects: false);
        if (forwardedProto is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-Proto", forwardedProto);
        }

        using var response = await SignInForm.PostAsync(client, DashboardAppHost.AdminUserName, DashboardAppHost.AdminPassword);

        var session = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(DashboardAppHost.SessionCookieName + "=", StringComparison.Ordinal));
        var attributes = session.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=lax", attributes);
        Assert.Equal(secure, attributes.Contains("secure"));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/dags/x/grid")]
    [InlineData("/backfills")]
    [InlineData("/audit")]
    [InlineData("/admin/users")]
    [InlineData("/account/password")]
    [InlineData("/no/such/page")]
    public async Task Every_page_sends_a_signed_out_browser_to_sign_in_and_back(string path)
    {
        using var client = app.Host.CreateClient(followRedirects: false);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/signin?returnUrl={Uri.EscapeDataString(path)}", app.Host.RedirectTarget(response));
    }

    [Fact]
    public async Task The_circuit_hub_refuses_a_signed_out_client()
    {
        using var client = app.Host.CreateClient(followRedirects: false);

        using var response = await client.PostAsync("/_blazor/negotiate?negotiateVersion=1", null);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/signin", app.Host.RedirectTarget(response));
    }

    [Fact]
    public async Task Sign_in_health_and_the_files_the_sign_in_page_needs_are_reachable_signed_out()
    {
        using var client = app.Host.CreateClient(followRedirects: false);

        var signIn = await client.GetAsync("/signin");
        var page = new HtmlParser().ParseDocument(await signIn.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.NotNull(page.QuerySelector("form[method='post'] input[name='__RequestVerificationToken']"));
        Assert.NotNull(page.QuerySelector("input[name='Input.UserName']"));
        Assert.Equal("password", page.QuerySelector("input[name='Input.Password']")!.GetAttribute("type"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/_framework/blazor.web.js")).StatusCode);
        foreach (var stylesheet in page.QuerySelectorAll("link[rel='stylesheet']").Select(link => link.GetAttribute("href")!))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(stylesheet)).StatusCode);
        }
    }

    [Fact]
    public async Task The_configured_admin_password_signs_in_and_the_header_shows_the_user_and_role()
    {
        using var client = app.Host.CreateClient(followRedirects: false);

        using var response = await SignInForm.PostAsync(client, DashboardAppHost.AdminUserName, DashboardAppHost.AdminPassword, "/backfills");
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(DashboardAppHost.SessionCookieName + "=", StringComparison.Ordinal));
        var page = new HtmlParser().ParseDocument(await client.GetStringAsync("/backfills"));

        Assert.Equal("/backfills", app.Host.RedirectTarget(response));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        // Over plain http the cookie cannot be Secure (SameAsRequest); over https it is.
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("admin", page.QuerySelector("[data-testid='user-name']")!.TextContent);
        Assert.Equal("Admin", page.QuerySelector("[data-testid='user-role']")!.TextContent);
        Assert.NotNull(page.QuerySelector("form[action='signout'] input[name='__RequestVerificationToken']"));
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("/signin")]
    public async Task Sign_in_goes_back_to_local_pages_only(string returnUrl)
    {
        using var client = app.Host.CreateClient(followRedirects: false);

        using var response = await SignInForm.PostAsync(client, DashboardAppHost.AdminUserName, DashboardAppHost.AdminPassword, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", app.Host.RedirectTarget(response));
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        await app.Host.CreateUserAsync("lockme", Role.User, Password);
        using var client = app.Host.CreateClient(followRedirects: false);

        var messages = new List<string?>();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var failed = await SignInForm.PostAsync(client, "lockme", "not the password at all");
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
            messages.Add(SignInForm.Message(await failed.Content.ReadAsStringAsync()));
        }

        using var right = await SignInForm.PostAsync(client, "lockme", Password);

        Assert.All(messages[..4], m => Assert.Equal("The user name or password is incorrect.", m));
        Assert.StartsWith("Too many failed sign-ins: this account is locked for 15 minutes.", messages[4]);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.StartsWith("Too many failed sign-ins", SignInForm.Message(await right.Content.ReadAsStringAsync()));
        Assert.DoesNotContain(right.Headers.TryGetValues("Set-Cookie", out var set) ? set : [],
            c => c.StartsWith(DashboardAppHost.SessionCookieName + "=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_name_is_answered_exactly_like_a_wrong_password()
    {
        using var client = app.Host.CreateClient(followRedirects: false);

        var messages = new List<string?>();
        for (var attempt = 0; attempt < 6; attempt++)
        {
            using var failed = await SignInForm.PostAsync(client, "nobody_by_this_name", "not the password at all");
            messages.Add(SignInForm.Message(await failed.Content.ReadAsStringAsync()));
        }

        Assert.All(messages[..4], m => Assert.Equal("The user name or password is incorrect.", m));
        Assert.All(messages[4..], m => Assert.StartsWith("Too many failed sign-ins: this account is locked for 15 minutes.", m));
    }

    [Fact]
    public async Task A_disabled_user_learns_it_only_with_the_right_password()
    {
        await app.Host.CreateUserAsync("gone", Role.Op, Password);
        var administration = app.Host.Services.GetRequiredService<Dashboard.Web.Security.UserAdministration>();
        var gone = (await administration.ListAsync(Actors.Admin("admin"))).Single(u => u.UserName == "gone");
        await administration.SetDisabledAsync(Actors.Admin("admin"), gone.Id, disabled: true);
        using var client = app.Host.CreateClient(followRedirects: false);

        using var wrong = await SignInForm.PostAsync(client, "gone", "not the password at all");
        using var right = await SignInForm.PostAsync(client, "gone", Password);

        Assert.Equal("The user name or password is incorrect.", SignInForm.Message(await wrong.Content.ReadAsStringAsync()));
        Assert.Equal("This account is disabled. Ask an Admin to enable it.", SignInForm.Message(await right.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task A_viewer_gets_the_pages_but_not_the_users_page()
    {
        await app.Host.CreateUserAsync("vera", Role.Viewer, Password);
        using var client = await app.Host.CreateSignedInClientAsync("vera", Password, followRedirects: false);

        foreach (var path in new[] { "/", "/dags/x/grid", "/backfills" })
        {
            using var page = await client.GetAsync(path);
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{path}: {page.StatusCode}");
        }

        using var users = await client.GetAsync("/admin/users");
        Assert.Equal(HttpStatusCode.Redirect, users.StatusCode);
        Assert.StartsWith("/forbidden", app.Host.RedirectTarget(users));
        using var forbidden = await client.GetAsync(users.Headers.Location);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("This page is not for your role", await forbidden.Content.ReadAsStringAsync());
        var header = new HtmlParser().ParseDocument(await client.GetStringAsync("/"));
        Assert.Equal("Viewer", header.QuerySelector("[data-testid='user-role']")!.TextContent);
        Assert.Null(header.QuerySelector("a[href='admin/users']"));
    }

    [Fact]
    public async Task An_admin_gets_the_users_page()
    {
        using var client = await app.Host.CreateSignedInClientAsync();

        var page = new HtmlParser().ParseDocument(await client.GetStringAsync("/admin/users"));

        Assert.Equal("Admin", page.QuerySelector("tr[data-user='admin']")!.GetAttribute("data-role"));
        Assert.NotNull(page.QuerySelector("a[href='admin/users']"));
    }

    [Fact]
    public async Task After_sign_out_the_old_session_cookie_no_longer_works()
    {
        await app.Host.CreateUserAsync("leaver", Role.User, Password);
        var session = await app.Host.SignInAsync("leaver", Password);
        var cookies = new CookieContainer();
        cookies.Add(app.Host.BaseAddress, session);
        using var client = app.Host.CreateClient(cookies, followRedirects: false);
        var home = await client.GetStringAsync("/");

        using var withoutToken = await client.PostAsync("/signout", new FormUrlEncodedContent([]));
        using var signOut = await client.PostAsync("/signout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = SignInForm.AntiforgeryToken(home),
        }));

        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/signin", app.Host.RedirectTarget(signOut));

        // Someone who kept a copy of the cookie: it is refused once the session is revalidated.
        app.PassRevalidationInterval();
        var copy = new CookieContainer();
        copy.Add(app.Host.BaseAddress, new Cookie(session.Name, session.Value));
        using var stolen = app.Host.CreateClient(copy, followRedirects: false);
        using var response = await stolen.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/signin", app.Host.RedirectTarget(response));
    }

    [Fact]
    public async Task Changing_a_forced_password_lets_the_user_in_even_when_that_request_revalidated_the_session()
    {
        var administration = app.Host.Services.GetRequiredService<Dashboard.Web.Security.UserAdministration>();
        var temporary = await administration.CreateAsync(Actors.Admin("admin"), "newcomer", Role.User);
        using var client = app.Host.CreateClient(followRedirects: false);
        using var signIn = await SignInForm.PostAsync(client, "newcomer", temporary);
        Assert.Equal("/account/password?returnUrl=%2F", app.Host.RedirectTarget(signIn));
        var form = await client.GetStringAsync("/account/password");

        // Past the revalidation interval, the change request itself reloads the user to check the cookie.
        app.PassRevalidationInterval();
        using var changed = await client.PostAsync("/account/password", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "change-password",
            ["__RequestVerificationToken"] = SignInForm.AntiforgeryToken(form),
            ["Input.Current"] = temporary,
            ["Input.New"] = "the newcomer's own password",
            ["Input.Confirm"] = "the newcomer's own password",
        }));
        using var home = await client.GetAsync("/");

        Assert.Equal("/", app.Host.RedirectTarget(changed));
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        app.PassRevalidationInterval();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task A_password_reset_by_an_admin_ends_the_users_sessions()
    {
        await app.Host.CreateUserAsync("reset_me", Role.Op, Password);
        using var client = await app.Host.CreateSignedInClientAsync("reset_me", Password, followRedirects: false);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        var administration = app.Host.Services.GetRequiredService<Dashboard.Web.Security.UserAdministration>();
        var user = (await administration.ListAsync(Actors.Admin("admin"))).Single(u => u.UserName == "reset_me");

        var temporary = await administration.ResetPasswordAsync(Actors.Admin("admin"), user.Id);
        app.PassRevalidationInterval();

        using var response = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/signin", app.Host.RedirectTarget(response));
        using var again = app.Host.CreateClient(followRedirects: false);
        using var signIn = await SignInForm.PostAsync(again, "reset_me", temporary);
        Assert.Equal("/account/password?returnUrl=%2F", app.Host.RedirectTarget(signIn));
    }
}
