using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dashboard.Core.Observability;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Dashboard.Web.Hosting;

/// <summary>
/// OpenTelemetry, off unless the standard variables ask for it (<see cref="TelemetrySettings"/>).
/// The SDK reads the rest itself from configuration (environment variables included): the OTLP
/// endpoint, protocol and headers, OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, the sampler.
/// </summary>
public static class Telemetry
{
    public const string MetricsPath = "/metrics";

    public static void AddDashboardTelemetry(this WebApplicationBuilder builder)
    {
        var settings = TelemetrySettings.Read(builder.Configuration);
        builder.Services.AddSingleton(settings);
        if (!settings.Metrics.Enabled && !settings.TracesOtlp)
        {
            return;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            // "dashboard" unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise: the variables' detector comes last, so it wins.
            .ConfigureResource(resource => resource.Clear().AddService("dashboard").AddTelemetrySdk().AddEnvironmentVariableDetector());
        if (settings.Metrics.Enabled)
        {
            telemetry.WithMetrics(metrics =>
            {
                metrics.AddMeter(DashboardMetrics.MeterName).AddAspNetCoreInstrumentation().AddNpgsqlInstrumentation();
                if (settings.Metrics.Otlp)
                {
                    metrics.AddOtlpExporter();
                }

                if (settings.Metrics.Prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        }

        if (settings.TracesOtlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(DashboardActivities.SourceName)
                // Probes and scrapes every few seconds would drown the traces that matter.
                .AddAspNetCoreInstrumentation(aspNet => aspNet.Filter = context => !IsProbe(context.Request.Path))
                .AddNpgsql()
                .AddOtlpExporter());
        }
    }

    /// <summary>
    /// <c>GET /metrics</c> in Prometheus's text format, when OTEL_METRICS_EXPORTER names prometheus.
    /// A request the access rule refuses is not answered here at all: it falls through to the app,
    /// which shows it the sign-in page or "not found" like any other unknown path.
    /// </summary>
    public static void UsePrometheusEndpoint(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<TelemetrySettings>();
        if (settings.Metrics.Prometheus)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(
                meterProvider: null,
                predicate: context => context.Request.Path == MetricsPath && HttpMethods.IsGet(context.Request.Method) && MayScrape(context, settings.ScrapeToken),
                path: null,
                configureBranchedPipeline: null,
                optionsName: null);
        }
    }

    /// <summary>
    /// The metrics name every DAG and say how busy the install is, so they are not for anyone who
    /// can reach the port. With <c>Metrics:ScrapeToken</c> set, a scrape must bring it as a bearer
    /// token (Prometheus's <c>authorization</c> setting). Without it, only this machine may scrape,
    /// and not through a reverse proxy: a proxy on the same host makes every stranger's request
    /// come from loopback, but it also says whom it forwards for, and such a request is refused.
    /// </summary>
    public static bool MayScrape(HttpContext context, string? scrapeToken)
    {
        if (scrapeToken is not null)
        {
            var header = context.Request.Headers.Authorization.ToString();
            return header.StartsWith("Bearer ", StringComparison.Ordinal)
                   && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header["Bearer ".Length..]), Encoding.UTF8.GetBytes(scrapeToken));
        }

        var headers = context.Request.Headers;
        return context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote)
               && !headers.ContainsKey("X-Forwarded-For") && !headers.ContainsKey("Forwarded") && !headers.ContainsKey("X-Real-IP");
    }

    private static bool IsProbe(PathString path) => path.StartsWithSegments("/healthz") || path == MetricsPath;
}

/// <summary>
/// Which exporters the standard variables ask for. Off by default: unlike the OpenTelemetry
/// specification's default of "otlp", nothing is exported until OTEL_EXPORTER_OTLP_ENDPOINT (or a
/// signal's own endpoint) is set or OTEL_METRICS_EXPORTER / OTEL_TRACES_EXPORTER names an exporter;
/// OTEL_SDK_DISABLED=true switches everything off whatever else is set.
/// </summary>
public sealed record TelemetrySettings(MetricExporters Metrics, bool TracesOtlp, string? ScrapeToken)
{
    private const int MinScrapeTokenLength = 16;

    public static TelemetrySettings Read(IConfiguration configuration)
    {
        var scrapeToken = configuration["Metrics:ScrapeToken"] is { Length: > 0 } token ? token : null;
        if (scrapeToken is { Length: < MinScrapeTokenLength })
        {
            throw Invalid("Metrics:ScrapeToken", $"a scrape token needs at least {MinScrapeTokenLength} characters.");
        }

        if (string.Equals(configuration["OTEL_SDK_DISABLED"], "true", StringComparison.OrdinalIgnoreCase))
        {
            return new TelemetrySettings(new MetricExporters(false, false), false, scrapeToken);
        }

        var anyEndpoint = HasValue(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT");
        var metrics = Exporters(configuration, "OTEL_METRICS_EXPORTER", ["otlp", "prometheus"], anyEndpoint || HasValue(configuration, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));
        var traces = Exporters(configuration, "OTEL_TRACES_EXPORTER", ["otlp"], anyEndpoint || HasValue(configuration, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        return new TelemetrySettings(new MetricExporters(metrics.Contains("otlp"), metrics.Contains("prometheus")), traces.Contains("otlp"), scrapeToken);
    }

    /// <summary>A comma-separated list of exporter names; "none" is the empty list.</summary>
    private static HashSet<string> Exporters(IConfiguration configuration, string key, string[] supported, bool otlpByDefault)
    {
        if (!HasValue(configuration, key))
        {
            return otlpByDefault ? ["otlp"] : [];
        }

        var names = configuration[key]!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(name => name.ToLowerInvariant()).Where(name => name != "none").ToHashSet();
        if (names.Except(supported).ToList() is [_, ..] unknown)
        {
            throw Invalid(key, $"{string.Join(", ", unknown)} is not an exporter this app has; use {string.Join(", ", supported)} or none.");
        }

        return names;
    }

    private static bool HasValue(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);

    private static OptionsValidationException Invalid(string key, string problem) =>
        new(key, typeof(TelemetrySettings), [$"{key}: {problem}"]);
}

public sealed record MetricExporters(bool Otlp, bool Prometheus)
{
    public bool Enabled => Otlp || Prometheus;
}
