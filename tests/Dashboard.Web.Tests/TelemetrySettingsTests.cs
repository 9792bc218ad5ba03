using Dashboard.Testing;
using Dashboard.Web.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Dashboard.Web.Tests;

/// <summary>Which exporters the standard OTEL_* variables switch on: nothing unless asked, and OTEL_SDK_DISABLED over everything.</summary>
[Collection(nameof(MetricsCollection))]
public sealed class TelemetrySettingsTests
{
    [Theory]
    [InlineData(null, null, null, null, false, false, false)]
    [InlineData("http://collector:4317", null, null, null, true, false, true)]
    [InlineData(null, "prometheus", null, null, false, true, false)]
    [InlineData(null, "otlp, prometheus", "otlp", null, true, true, true)]
    [InlineData("http://collector:4317", "none", null, null, false, false, true)]
    [InlineData("http://collector:4317", "prometheus", "otlp", "true", false, false, false)]
    public void The_variables_choose_the_exporters(
        string? endpoint, string? metrics, string? traces, string? disabled, bool metricsOtlp, bool prometheus, bool tracesOtlp)
    {
        var settings = TelemetrySettings.Read(Configuration(
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint), ("OTEL_METRICS_EXPORTER", metrics), ("OTEL_TRACES_EXPORTER", traces), ("OTEL_SDK_DISABLED", disabled)));

        Assert.Equal((metricsOtlp, prometheus, tracesOtlp), (settings.Metrics.Otlp, settings.Metrics.Prometheus, settings.TracesOtlp));
    }

    [Theory]
    [InlineData("OTEL_METRICS_EXPORTER", "console")]
    [InlineData("OTEL_TRACES_EXPORTER", "prometheus")]
    [InlineData("Metrics:ScrapeToken", "short")]
    public void A_setting_the_app_cannot_honour_stops_the_start(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => TelemetrySettings.Read(Configuration((key, value))));

        Assert.StartsWith($"{key}: ", error.Message);
    }

    [Theory]
    [InlineData(null, "dashboard")]
    [InlineData("orchestrator-eu", "orchestrator-eu")]
    public async Task The_service_is_called_dashboard_unless_OTEL_SERVICE_NAME_says_otherwise(string? serviceName, string expected)
    {
        var settings = new Dictionary<string, string?> { ["OTEL_METRICS_EXPORTER"] = "prometheus" };
        if (serviceName is not null)
        {
            settings["OTEL_SERVICE_NAME"] = serviceName;
        }

        await using var app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync(), settings);

        var resource = app.Services.GetRequiredService<MeterProvider>().GetResource();
        Assert.Equal(expected, resource.Attributes.Single(a => a.Key == "service.name").Value);
    }

    private static IConfiguration Configuration(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Where(s => s.Value is not null).Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
