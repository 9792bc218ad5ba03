using Dashboard.Core;
using Dashboard.Core.Persistence;
using Dashboard.Core.Persistence.LocalPostgres;
using Dashboard.Scheduler;
using Dashboard.Web.Components;
using Dashboard.Web.Components.Dialogs;
using Dashboard.Web.Components.Layout;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Security;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;

namespace Dashboard.Web.Hosting;

/// <summary>
/// The web host: the Blazor UI, the HTTP endpoints, the DAG-file processor, the scheduler and the
/// executor in one process (each engine role can be switched off by configuration), and the change
/// listener that keeps its pages live whichever instance made the change.
/// Tests build it with their own configuration and start it on port 0, so they run the real app.
/// </summary>
public static class DashboardWebApplication
{
    public static async Task<int> RunAsync(string[] args)
    {
        WebApplication app;
        try
        {
            app = await BuildAsync(args);
        }
        catch (Exception e) when (IsStartupProblem(e))
        {
            await Console.Error.WriteLineAsync($"Dashboard cannot start: {e.Message}");
            return 1;
        }

        await using (app)
        {
            try
            {
                await app.RunAsync();
            }
            catch (OptionsValidationException e)
            {
                // The engine's options are validated as the hosted services start.
                await Console.Error.WriteLineAsync($"Dashboard cannot start: {e.Message}");
                return 1;
            }
        }

        return 0;
    }

    private static bool IsStartupProblem(Exception e) =>
        e is LocalPostgresException or DatabaseUnavailableException or OptionsValidationException;

    public static async Task<WebApplication> BuildAsync(
        string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken ct = default)
    {
        var builder = CreateBuilder(args);

        // Serves the build's static web assets (ours from the root wwwroot/, MudBlazor's, the Blazor script) in every
        // environment; a published app has no such manifest and serves its own wwwroot instead.
        builder.WebHost.UseStaticWebAssets();
        configure?.Invoke(builder);

        var dashboardOptions = builder.Configuration.GetSection(DashboardOptions.Section).Get<DashboardOptions>() ?? new DashboardOptions();
        ValidateOptions(dashboardOptions);

        using var bootstrapLogging = LoggerFactory.Create(logging => logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole());
        var (connectionString, cluster) = await DatabaseBootstrap.PrepareAsync(
            builder.Configuration, bootstrapLogging.CreateLogger("Dashboard.Database"), ct);

        try
        {
            builder.Services.AddSingleton(await Stylesheets.CreateAsync(DashboardTheme.Theme));
            ConfigureServices(builder, connectionString, cluster, dashboardOptions);
            var app = builder.Build();
            if (cluster is not null)
            {
                // Resolved once so the container owns it and stops the server when the app is disposed.
                app.Services.GetRequiredService<LocalPostgresCluster>();
            }

            await FirstRunAdmin.EnsureAsync(app.Services, ct);
            await WarehouseConnection.EnsureAsync(app.Services, builder.Configuration, cluster, connectionString, ct);
            ConfigurePipeline(app);
            return app;
        }
        catch
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// The builder with the app's configuration (appsettings.json, environment variables, command
    /// line) and nothing else yet; the command line reads its settings from here too.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args) => WebApplication.CreateBuilder(new WebApplicationOptions
    {
        Args = args,
        // The root appsettings.json is linked into the output directory; read it from there.
        ContentRootPath = AppContext.BaseDirectory,
        ApplicationName = typeof(DashboardWebApplication).Assembly.GetName().Name,
    });

    private static void ValidateOptions(DashboardOptions options)
    {
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true))
        {
            throw new OptionsValidationException(DashboardOptions.Section, typeof(DashboardOptions),
                results.Select(r => $"{DashboardOptions.Section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
        }
    }

    private static void ConfigureServices(WebApplicationBuilder builder, string connectionString, LocalPostgresCluster? cluster, DashboardOptions options)
    {
        var services = builder.Services;
        services.AddOptions<DashboardOptions>().Bind(builder.Configuration.GetSection(DashboardOptions.Section));
        if (cluster is not null)
        {
            services.AddSingleton(_ => cluster);
            services.AddSingleton<LocalPostgresSupervisor>();
            services.AddHostedService<EmbeddedDatabaseService>();
        }

        services.AddDashboardCore(connectionString, builder.Configuration);
        services.AddDashboardScheduler(builder.Configuration);
        services.AddDashboardSignIn(connectionString, options);
        services.AddHostedService<ChangeListenerService>();
        services.AddSingleton<HealthCheckLog>();
        builder.AddDashboardTelemetry();
        services.AddRazorComponents()
            .AddInteractiveServerComponents(circuit => circuit.DetailedErrors = false);
        services.AddScoped<CircuitHandler, CircuitCounter>();
        services.AddDashboardUi();
    }

    /// <summary>What the components need beyond the engine: MudBlazor, live views, the actions' snackbars, the current user.</summary>
    public static IServiceCollection AddDashboardUi(this IServiceCollection services)
    {
        services.AddMudServices(mud =>
        {
            // Snackbars in the bottom-right corner: never over the DAG's buttons or the panels (and, in
            // app.css, under a dialog's overlay rather than over the dialog).
            mud.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            mud.SnackbarConfiguration.PreventDuplicates = true;
            mud.SnackbarConfiguration.MaxDisplayedSnackbars = 3;
            mud.SnackbarConfiguration.VisibleStateDuration = 5000;
            mud.SnackbarConfiguration.ShowCloseIcon = true;
        });
        services.AddSingleton<LiveViews>();
        services.AddScoped<UiActions>();
        services.AddScoped<CurrentOperator>();
        services.AddScoped<TaskActionDialogs>();
        return services;
    }

    private static void ConfigurePipeline(WebApplication app)
    {
        // Errors get a friendly page in every environment: never a stack trace.
        app.UseSecurityHeaders();
        app.UsePrometheusEndpoint();
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        app.UseStatusCodePagesWithReExecute("/not-found");
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseForcedPasswordChange();
        app.UseAntiforgery();

        // Reachable signed out: the static files (the Blazor script among them; the sign-in page needs them), the health checks.
        app.MapStaticAssets().AllowAnonymous();
        app.Services.GetRequiredService<Stylesheets>().Map(app);
        app.MapHealthEndpoint();
        app.MapLogDownload();
        app.MapSignOut();
        // SecurityHeaders already forbids framing outright; Blazor's own frame-ancestors header would only loosen the picture.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(options => options.ContentSecurityFrameAncestorsPolicy = null);
    }
}
