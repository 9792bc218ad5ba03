using System.Text.RegularExpressions;
using Dashboard.Core.Connections;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// An Op keeps the connections and variables tasks use: adds a PostgreSQL connection to this test's
/// own database, tests it, edits it without retyping the password, adds a secret variable; a Viewer
/// then reads both pages and finds no password and no secret value anywhere in them. Both pages are
/// left as pictures in artifacts/screenshots/connections, in the light and the dark theme.
/// </summary>
public sealed class ConnectionsBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Password = "a password of the right length";
    private const string SecretValue = "sk-live-9f8e7d6c5b4a";
    private const string EnvironmentPassword = "env-only-password-42";

    private EngineHarness _engine = null!;
    private DashboardAppHost _app = null!;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        // The environment's entries come from a dictionary, not this process's variables, which other tests share.
        var environment = EnvironmentOverrides.FromDictionary(new Dictionary<string, string>
        {
            ["DASHBOARD_CONN_METRICS_API"] = $"http://metrics:{EnvironmentPassword}@metrics.internal:8080",
            ["DASHBOARD_CONN_AUDIT_SINK"] = "generic://audit.internal",
            ["DASHBOARD_VAR_REGION"] = "eu-west-1",
        });
        _app = await DashboardAppHost.StartAsync(_engine.ConnectionString, configure: builder => builder.Services.AddSingleton(environment));
        await _app.CreateUserAsync("otto", Role.Op, Password);
        await _app.CreateUserAsync("vera", Role.Viewer, Password);

        // A stored connection the environment overrides, and a plain variable, for the pages to show beside the new ones.
        var admin = Actors.Admin(DashboardAppHost.AdminUserName);
        var connections = _app.Services.GetRequiredService<ConnectionService>();
        await connections.SaveAsync(admin, new ConnectionEdit("metrics_api",
            new ConnectionFields("http", "metrics-old.internal", 8080, null, "metrics", null, """{"timeout": 30, "api_key": "old-key"}""", "Metrics API (old host)"),
            SecretChange.Set("db-only-password"), SaveMode.Create));
        await _app.Services.GetRequiredService<VariableService>().SaveAsync(admin,
            new VariableEdit("retention_days", "90", false, "How long the warehouse keeps raw rows", SaveMode.Create));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task An_op_adds_tests_and_edits_a_connection_and_a_secret_variable_and_a_viewer_sees_no_secret()
    {
        var database = new NpgsqlConnectionStringBuilder(_engine.ConnectionString);
        var op = await browser.NewPageAsync(_app, "otto", Password);
        await op.SetViewportSizeAsync(1440, 900);
        await OpenAsync(op, "admin/connections");

        await op.GetByTestId("add").ClickAsync();
        var dialog = op.GetByRole(AriaRole.Dialog);
        await Input(dialog, "conn-id").FillAsync("warehouse");
        await Input(dialog, "conn-type").FillAsync("postgres");
        await Input(dialog, "conn-host").FillAsync(database.Host!);
        await Input(dialog, "conn-port").FillAsync(database.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Input(dialog, "conn-schema").FillAsync(database.Database!);
        await Input(dialog, "conn-login").FillAsync(database.Username!);
        await Input(dialog, "conn-password").FillAsync(database.Password!);
        await Input(dialog, "conn-extra", "textarea").FillAsync("not json");
        await Expect(dialog).ToContainTextAsync("The extra is not valid JSON");
        await Input(dialog, "conn-extra", "textarea").FillAsync("""{"sslmode": "disable", "token": "t0ps3cret"}""");
        await Expect(dialog).Not.ToContainTextAsync("The extra is not valid JSON");
        await Input(dialog, "conn-description", "textarea").FillAsync("This test's own database");
        await dialog.GetByTestId("config-save").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        var row = Row(op, "warehouse");
        await Expect(row.GetByTestId("password-set")).ToHaveTextAsync("●●● set");
        await Expect(row).ToContainTextAsync("\"token\":\"***\"");
        await Expect(row).Not.ToContainTextAsync("t0ps3cret");

        await row.GetByTestId("test").ClickAsync();
        var result = op.GetByTestId("test-result");
        await Expect(result).ToHaveAttributeAsync("data-succeeded", "true");
        await Expect(result).ToContainTextAsync($"Connected to database '{database.Database}' as '{database.Username}'");

        // Edit: the password field starts blank, saying the stored one stays unless something is typed.
        await row.GetByTestId("edit").ClickAsync();
        dialog = op.GetByRole(AriaRole.Dialog);
        await Expect(Input(dialog, "conn-id")).ToBeDisabledAsync();
        await Expect(Input(dialog, "conn-password")).ToHaveValueAsync("");
        await Expect(Input(dialog, "conn-password")).ToHaveAttributeAsync("placeholder", "unchanged");
        await Input(dialog, "conn-description", "textarea").FillAsync("The warehouse: this test's own database");
        await dialog.GetByTestId("config-save").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(row).ToContainTextAsync("The warehouse: this test's own database");

        // The password was kept: the test still connects.
        await op.GetByTestId("test-result").Locator("button").ClickAsync();
        await row.GetByTestId("test").ClickAsync();
        await Expect(op.GetByTestId("test-result")).ToHaveAttributeAsync("data-succeeded", "true");

        // The environment's connection is read-only, and it wins over the stored one of the same id.
        var environmentRow = Row(op, "metrics_api");
        await Expect(environmentRow.GetByTestId("source-overridden")).ToBeVisibleAsync();
        await Expect(Row(op, "audit_sink").GetByTestId("source-environment")).ToBeVisibleAsync();
        await Expect(Row(op, "audit_sink").GetByTestId("edit")).ToHaveCountAsync(0);
        await Expect(Row(op, "audit_sink").GetByTestId("delete")).ToHaveCountAsync(0);

        // The search is in the URL.
        await Input(op.Locator("body"), "config-search").FillAsync("ware");
        await Expect(op).ToHaveURLAsync(new Regex(@"\?q=ware$"));
        await Expect(op.Locator("[data-conn-id]")).ToHaveCountAsync(1);
        await OpenAsync(op, "admin/connections");

        await OpenAsync(op, "admin/variables");
        await op.GetByTestId("add").ClickAsync();
        dialog = op.GetByRole(AriaRole.Dialog);
        await Input(dialog, "var-key").FillAsync("payments_token");
        await Input(dialog, "var-value", "textarea").FillAsync(SecretValue);
        await Input(dialog, "var-description", "textarea").FillAsync("Token of the payments API");
        await dialog.GetByText("Secret: stored encrypted").ClickAsync();
        await dialog.GetByTestId("config-save").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(VariableRow(op, "payments_token").GetByTestId("secret-value")).ToHaveTextAsync("***");
        await Expect(VariableRow(op, "retention_days").GetByTestId("plain-value")).ToHaveTextAsync("90");
        await Expect(VariableRow(op, "region").GetByTestId("source-environment")).ToBeVisibleAsync();
        Assert.DoesNotContain(SecretValue, await op.ContentAsync());

        // An export without secrets is a file with neither the variable's value nor anything to misuse.
        var download = await op.RunAndWaitForDownloadAsync(() => op.GetByTestId("export").ClickAsync());
        var exported = await File.ReadAllTextAsync(await download.PathAsync());
        Assert.Contains("\"retention_days\"", exported);
        Assert.DoesNotContain(SecretValue, exported);

        foreach (var (scheme, theme) in new[] { (ColorScheme.Light, "light"), (ColorScheme.Dark, "dark") })
        {
            await op.EmulateMediaAsync(new() { ColorScheme = scheme });
            foreach (var name in new[] { "connections", "variables" })
            {
                await op.GotoAsync(new Uri(_app.BaseAddress, $"admin/{name}").ToString());
                await Expect(op.Locator($"main[data-interactive='true'][data-theme='{theme}']")).ToBeVisibleAsync();
                await Expect(op.GetByTestId(name)).ToBeVisibleAsync();
                await Screenshots.SaveAsync(op, Path.Combine("connections", $"1440-{theme}-{name}.png"));
            }
        }

        await op.GotoAsync(new Uri(_app.BaseAddress, "admin/connections").ToString());
        await op.WaitForCircuitAsync();
        await Row(op, "warehouse").GetByTestId("edit").ClickAsync();
        await Expect(op.GetByRole(AriaRole.Dialog).GetByTestId("conn-remove-password")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(op, Path.Combine("connections", "1440-dark-connection-dialog.png"));
        await op.Context.CloseAsync();

        var viewer = await browser.NewPageAsync(_app, "vera", Password);
        await viewer.SetViewportSizeAsync(1440, 900);
        foreach (var name in new[] { "connections", "variables" })
        {
            await OpenAsync(viewer, $"admin/{name}");
            await Expect(viewer.GetByTestId(name)).ToBeVisibleAsync();
            foreach (var button in new[] { "add", "edit", "delete", "test", "import-button", "export-include-secrets" })
            {
                await Expect(viewer.GetByTestId(button)).ToHaveCountAsync(0);
            }

            var html = await viewer.ContentAsync();
            foreach (var secret in new[] { database.Password!, SecretValue, "t0ps3cret", "db-only-password", "old-key", EnvironmentPassword })
            {
                Assert.DoesNotContain(secret, html);
            }

            await Screenshots.SaveAsync(viewer, Path.Combine("connections", $"1440-light-{name}-viewer.png"));
        }

        await using var db = _engine.CreateContext();
        Assert.Equal(["connection.create", "connection.update", "variable.create"],
            await db.AuditLog.Where(a => a.Actor == "otto").OrderBy(a => a.Id).Select(a => a.Action).ToListAsync());
    }

    private async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(new Uri(_app.BaseAddress, path).ToString());
        await page.WaitForCircuitAsync();
    }

    private static ILocator Row(IPage page, string connId) => page.Locator($"tr:has([data-conn-id='{connId}'])");

    private static ILocator VariableRow(IPage page, string key) => page.Locator($"tr:has([data-key='{key}'])");

    /// <summary>A MudBlazor field's input (or textarea), wherever the field put its test id.</summary>
    private static ILocator Input(ILocator scope, string testId, string element = "input") =>
        scope.Locator($"{element}[data-testid='{testId}'], [data-testid='{testId}'] {element}").First;
}
