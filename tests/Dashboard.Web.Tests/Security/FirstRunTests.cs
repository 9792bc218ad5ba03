using System.Net;
using System.Text.RegularExpressions;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Dashboard.Web.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Tests.Security;

/// <summary>The first start on an empty database: one admin, with a password printed once or taken from the configuration.</summary>
public sealed partial class FirstRunTests
{
    private static readonly Dictionary<string, string?> NoConfiguredPassword = new() { ["Dashboard:AdminPassword"] = "" };

    [Fact]
    public async Task Without_a_configured_password_the_admin_gets_a_random_one_printed_once_and_must_change_it()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var console = new StringWriter();

        string password;
        await using (var app = await StartAsync(connectionString, console))
        {
            password = Assert.Single(PasswordLine().Matches(console.ToString())).Groups["password"].Value;
            using var client = app.CreateClient(followRedirects: false);

            using var signIn = await SignInForm.PostAsync(client, "admin", password, "/backfills");
            Assert.Equal("/account/password?returnUrl=%2Fbackfills", app.RedirectTarget(signIn));

            // Until the password is changed, every page leads to the change-password page.
            using var elsewhere = await client.GetAsync("/dags/x/grid");
            Assert.Equal("/account/password?returnUrl=%2Fdags%2Fx%2Fgrid", app.RedirectTarget(elsewhere));
            var form = await client.GetStringAsync("/account/password?returnUrl=%2Fbackfills");
            Assert.Contains("data-testid=\"forced-change\"", form);

            Assert.Equal("The current password is incorrect.", await ChangePasswordAsync(app, client, form, "not the password", "a brand new password"));
            Assert.StartsWith("Passwords must be at least 12 characters.", await ChangePasswordAsync(app, client, form, password, "too short"));
            Assert.Equal("Choose a new password, not the current one.", await ChangePasswordAsync(app, client, form, password, password));
            Assert.Null(await ChangePasswordAsync(app, client, form, password, "a brand new password"));

            using var home = await client.GetAsync("/backfills");
            Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        }

        // A restart finds a user and creates, and prints, nothing.
        await using (await StartAsync(connectionString, console))
        {
            Assert.Single(PasswordLine().Matches(console.ToString()));
        }

        await using var db = new DashboardDbContext(DashboardDatabase.Options(connectionString));
        var audit = await db.AuditLog.OrderBy(a => a.Id).Select(a => new { a.Actor, a.Action, a.Details }).ToListAsync();
        Assert.Equal([("system", "user.create"), ("admin", "user.change_password")], audit.Select(a => (a.Actor, a.Action)));
        Assert.All(audit, a => Assert.DoesNotContain(password, a.Details));
    }

    [Fact]
    public async Task A_configured_password_needs_no_change()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var console = new StringWriter();
        await using var app = await DashboardAppHost.StartAsync(connectionString,
            configure: builder => builder.Services.AddSingleton(new FirstRunConsole(console)));
        using var client = app.CreateClient(followRedirects: false);

        using var signIn = await SignInForm.PostAsync(client, "admin", DashboardAppHost.AdminPassword);

        Assert.Equal("/", app.RedirectTarget(signIn));
        Assert.Equal("", console.ToString());
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<DashboardUser>>();
        var admin = Assert.Single(await users.Users.ToListAsync());
        Assert.False(admin.MustChangePassword);
        Assert.Equal(["Admin"], await users.GetRolesAsync(admin));
    }

    [Fact]
    public async Task Two_instances_starting_together_create_one_admin_and_print_one_password()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var consoles = new[] { new StringWriter(), new StringWriter() };

        var apps = await Task.WhenAll(consoles.Select(console => StartAsync(connectionString, console)));
        try
        {
            Assert.Single(consoles.SelectMany(c => PasswordLine().Matches(c.ToString())));
            await using var db = new SecurityDbContext(SecurityDbContext.Options(connectionString));
            Assert.Equal(["admin"], await db.Users.Select(u => u.UserName).ToListAsync());
            Assert.Equal(1, await db.UserRoles.CountAsync());
        }
        finally
        {
            foreach (var app in apps)
            {
                await app.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_configured_password_shorter_than_the_rule_stops_start_up_without_showing_it()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => DashboardAppHost.StartAsync(connectionString,
            new Dictionary<string, string?> { ["Dashboard:AdminPassword"] = "hunter2" }));

        Assert.Contains("Dashboard:AdminPassword: must be at least 12 characters long", error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    private static Task<DashboardAppHost> StartAsync(string connectionString, TextWriter console) =>
        DashboardAppHost.StartAsync(connectionString, NoConfiguredPassword,
            builder => builder.Services.AddSingleton(new FirstRunConsole(console)));

    /// <returns>The page's message, or null when the change went through.</returns>
    private static async Task<string?> ChangePasswordAsync(DashboardAppHost app, HttpClient client, string form, string current, string next)
    {
        using var response = await client.PostAsync("/account/password?returnUrl=%2Fbackfills", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "change-password",
            ["__RequestVerificationToken"] = SignInForm.AntiforgeryToken(form),
            ["Input.Current"] = current,
            ["Input.New"] = next,
            ["Input.Confirm"] = next,
        }));
        if (response.StatusCode == HttpStatusCode.Redirect)
        {
            Assert.Equal("/backfills", app.RedirectTarget(response));
            return null;
        }

        var page = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(next, page);
        return SignInForm.Message(page);
    }

    [GeneratedRegex(@"^Dashboard first run: sign in as ""admin"" with the one-time password (?<password>[A-Za-z0-9]{20}) ", RegexOptions.Multiline)]
    private static partial Regex PasswordLine();
}
