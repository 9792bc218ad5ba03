using System.Collections.Concurrent;
using System.Net;
using Dashboard.Core.Security;
using Dashboard.Web.Hosting;
using Dashboard.Web.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Testing;

/// <summary>
/// The real app, in this process, on a free loopback port, against a test database. Like every
/// install it needs a signed-in user: on a fresh database it creates <see cref="AdminUserName"/>
/// with <see cref="AdminPassword"/> (Dashboard:AdminPassword), and <see cref="CreateSignedInClientAsync"/>
/// and <see cref="SessionCookieAsync"/> sign in through the real sign-in form.
/// </summary>
public sealed class DashboardAppHost : IAsyncDisposable
{
    public const string AdminUserName = FirstRunAdmin.UserName;
    public const string AdminPassword = "admin-password-for-tests";
    public const string SessionCookieName = ".Dashboard.Session";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<(string, string), Task<Cookie>> _sessions = new();

    private DashboardAppHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="settings">
    /// Overrides of appsettings.json. The scheduler and executor are off unless a test switches them
    /// on: most tests seed the rows they look at, and a DAG-file processor would deactivate them.
    /// Dashboard:AdminPassword is <see cref="AdminPassword"/> unless a test sets it (empty: a random
    /// one, written to the console).
    /// </param>
    /// <param name="configure">Changes to the builder after the app's own configuration is read (extra services, say).</param>
    public static async Task<DashboardAppHost> StartAsync(
        string connectionString, IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var effective = new Dictionary<string, string?>
        {
            ["Scheduler:Enabled"] = "false",
            ["Executor:Enabled"] = "false",
            ["Dashboard:AdminPassword"] = AdminPassword,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            effective[key] = value;
        }

        // Given as command-line arguments: they override the root appsettings.json, as they would for a person.
        string[] args =
        [
            "--Urls=http://127.0.0.1:0",
            $"--ConnectionStrings:Dashboard={connectionString}",
            "--Logging:LogLevel:Default=Warning",
            .. effective.Select(setting => $"--{setting.Key}={setting.Value}"),
        ];
        var app = await DashboardWebApplication.BuildAsync(args, configure);

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new DashboardAppHost(app, new Uri(address));
    }

    /// <summary>A signed-out client with its own cookies.</summary>
    public HttpClient CreateClient(bool followRedirects = true) => CreateClient(new CookieContainer(), followRedirects);

    public HttpClient CreateClient(CookieContainer cookies, bool followRedirects = true) =>
        new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = followRedirects }) { BaseAddress = BaseAddress };

    /// <summary>A client signed in as <paramref name="userName"/> (the admin by default), with a session of its own.</summary>
    public async Task<HttpClient> CreateSignedInClientAsync(
        string userName = AdminUserName, string password = AdminPassword, bool followRedirects = true)
    {
        var cookies = new CookieContainer();
        cookies.Add(BaseAddress, await SignInAsync(userName, password));
        return CreateClient(cookies, followRedirects);
    }

    /// <summary>
    /// The session cookie of one sign-in through the form as <paramref name="userName"/>, shared by
    /// the callers that ask for the same user (a browser context gets it without typing).
    /// </summary>
    public Task<Cookie> SessionCookieAsync(string userName = AdminUserName, string password = AdminPassword) =>
        _sessions.GetOrAdd((userName, password), key => SignInAsync(key.Item1, key.Item2));

    /// <summary>Signs in through the form; the new session's cookie.</summary>
    /// <exception cref="InvalidOperationException">The sign-in failed, or the user must change their password first.</exception>
    public async Task<Cookie> SignInAsync(string userName = AdminUserName, string password = AdminPassword)
    {
        var cookies = new CookieContainer();
        using var client = CreateClient(cookies, followRedirects: false);
        using var response = await SignInForm.PostAsync(client, userName, password);
        var location = response.StatusCode == HttpStatusCode.Redirect ? RedirectTarget(response) : null;
        if (location != "/")
        {
            throw new InvalidOperationException(
                $"Signing in as {userName} failed: {(int)response.StatusCode} {location} {SignInForm.Message(await response.Content.ReadAsStringAsync())}");
        }

        return cookies.GetCookies(BaseAddress)[SessionCookieName] ?? throw new InvalidOperationException("Signed in, but no session cookie.");
    }

    /// <summary>
    /// Where a redirect of this app points: its path and query when it stays in the app (whether the
    /// header is absolute or relative), the whole address when it leaves.
    /// </summary>
    public string RedirectTarget(HttpResponseMessage response)
    {
        var target = new Uri(BaseAddress, response.Headers.Location ?? throw new InvalidOperationException($"{(int)response.StatusCode} is no redirect."));
        return target.GetLeftPart(UriPartial.Authority) == BaseAddress.GetLeftPart(UriPartial.Authority) ? target.PathAndQuery : target.ToString();
    }

    /// <summary>Creates a user who can sign in at once with <paramref name="password"/> (no forced change).</summary>
    public async Task CreateUserAsync(string userName, Role role, string password)
    {
        var administration = Services.GetRequiredService<UserAdministration>();
        await administration.CreateAsync(Actors.Admin(AdminUserName), userName, role, password);
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<DashboardUser>>();
        var user = await users.FindByNameAsync(userName) ?? throw new InvalidOperationException($"{userName} was not created.");
        user.MustChangePassword = false;
        await users.UpdateAsync(user);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
