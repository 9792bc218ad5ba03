using Dashboard.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Testing;

/// <summary>The real app, in this process, on a free loopback port, against a test database.</summary>
public sealed class DashboardAppHost : IAsyncDisposable
{
    private readonly WebApplication _app;

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
    /// </param>
    /// <param name="configure">Changes to the builder after the app's own configuration is read (extra services, say).</param>
    public static async Task<DashboardAppHost> StartAsync(
        string connectionString, IDictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var effective = new Dictionary<string, string?>
        {
            ["Scheduler:Enabled"] = "false",
            ["Executor:Enabled"] = "false",
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

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
