using AngleSharp.Dom;
using Bunit;
using Dashboard.Core.Connections;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Components.Config;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The Connections page and its form over the real service: a Viewer reads the list without any
/// secret and with nothing to change it by; an Op gets the buttons; the form names a field's
/// problem before anything is sent; a blank password on an edit keeps the stored one; and the
/// service's refusals, a Viewer's crafted edit among them, are shown and change nothing.
/// </summary>
public sealed class ConnectionsPageTests : ComponentTest
{
    private const string StoredPassword = "stored-pw-7d1e";
    private const string ExtraToken = "tok-3a9b";
    private static readonly string[] ManageButtons = ["add", "edit", "delete", "test", "import-button", "export-include-secrets"];

    private IRenderedComponent<MudDialogProvider> _provider = null!;

    private ConnectionService Service => Services.GetRequiredService<ConnectionService>();

    private async Task SeedAsync()
    {
        await UseEngineAsync();
        await Service.SaveAsync(Actors.Admin("admin"), new ConnectionEdit("warehouse",
            new ConnectionFields("postgres", "db.internal", 5432, "sales", "loader", null, $$"""{"sslmode": "require", "token": "{{ExtraToken}}"}""", "The warehouse"),
            SecretChange.Set(StoredPassword), SaveMode.Create));
    }

    /// <summary>The stored password, read back as an Admin's export with secrets would.</summary>
    private async Task<string?> StoredPasswordOfAsync(string connId) =>
        (await Service.ExportAsync(Actors.Admin("admin"), includeSecrets: true))[connId]?["password"]?.GetValue<string>();

    private IElement Find(string testId) => _provider.Find($"[data-testid='{testId}']");

    private IElement Field(string testId) => _provider.Find($"input[data-testid='{testId}'], textarea[data-testid='{testId}'], [data-testid='{testId}'] input, [data-testid='{testId}'] textarea");

    /// <summary>Types into a field: one that updates as it is typed in takes input events, any other its change event.</summary>
    private async Task TypeAsync(string testId, string text)
    {
        var field = Field(testId);
        try
        {
            await field.InputAsync(new ChangeEventArgs { Value = text });
        }
        catch (MissingEventHandlerException)
        {
            await field.ChangeAsync(new ChangeEventArgs { Value = text });
        }
    }

    private async Task OpenFormAsync(string? connId = null)
    {
        var parameters = new DialogParameters<ConnectionDialog>();
        if (connId is not null)
        {
            parameters.Add(d => d.ConnId, connId);
        }

        var title = connId is null ? "Add connection" : $"Edit connection {connId}";
        if (_provider is null)
        {
            (_provider, _) = await ShowDialogAsync<ConnectionDialog>(parameters, title);
        }
        else
        {
            // The providers are drawn once per test; a second form opens in them.
            var dialogs = Services.GetRequiredService<IDialogService>();
            await _provider.InvokeAsync(() => dialogs.ShowAsync<ConnectionDialog>(title, parameters));
        }
    }

    private Task WaitClosedAsync() => _provider.WaitForAssertionAsync(() => Assert.Empty(_provider.FindAll(".mud-dialog")));

    [Fact]
    public async Task A_viewer_sees_the_connections_without_any_secret_and_nothing_to_change_them_by()
    {
        await SeedAsync();
        SignInAs(Role.Viewer, "vera");

        var page = Render<Connections>();

        await page.WaitForAssertionAsync(() => page.Find("[data-conn-id='warehouse']"));
        Assert.Equal("●●● set", page.Find("[data-testid='password-set']").TextContent.Trim());
        Assert.Contains("\"token\":\"***\"", page.Markup);
        Assert.DoesNotContain(StoredPassword, page.Markup);
        Assert.DoesNotContain(ExtraToken, page.Markup);
        Assert.All(ManageButtons, button => Assert.Empty(page.FindAll($"[data-testid='{button}']")));
        Assert.Equal("Changing them needs the Op role; you have the Viewer role.", page.Find("[data-testid='why-read-only']").TextContent.Trim());
        Assert.NotNull(page.Find("[data-testid='export']"));
    }

    [Theory]
    [InlineData(Role.Op)]
    [InlineData(Role.Admin)]
    public async Task An_op_or_an_admin_gets_the_buttons_to_manage_them(Role role)
    {
        await SeedAsync();
        SignInAs(role, "olga");

        var page = Render<Connections>();

        await page.WaitForAssertionAsync(() => page.Find("[data-conn-id='warehouse']"));
        Assert.All(ManageButtons, button => Assert.Single(page.FindAll($"[data-testid='{button}']")));
        Assert.DoesNotContain(StoredPassword, page.Markup);
    }

    [Fact]
    public async Task The_search_filters_the_list_by_the_query_in_the_url()
    {
        await SeedAsync();
        await Service.SaveAsync(Actors.Admin("admin"), new ConnectionEdit("crm_api", new ConnectionFields("http", "crm.example"), SecretChange.Keep, SaveMode.Create));

        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("q", "crm"));

        var page = Render<Connections>();

        await page.WaitForAssertionAsync(() => page.Find("[data-conn-id='crm_api']"));
        Assert.Empty(page.FindAll("[data-conn-id='warehouse']"));
    }

    [Fact]
    public async Task The_form_names_each_fields_problem_before_anything_is_sent()
    {
        await SeedAsync();
        SignInAs(Role.Op, "olga");
        await OpenFormAsync();

        Find("config-save").Click();

        await _provider.WaitForAssertionAsync(() => Assert.Contains("An id is required.", _provider.Markup));
        Assert.Contains("A type is required.", _provider.Markup);
        await TypeAsync("conn-id", "bad id!");
        await TypeAsync("conn-type", "postgres");
        await TypeAsync("conn-extra", "{\"sslmode\": ");
        await _provider.WaitForAssertionAsync(() => Assert.Contains("Use 1 to 250 letters, digits or '_'.", _provider.Find(".mud-dialog").TextContent));
        await _provider.WaitForAssertionAsync(() => Assert.Contains("The extra is not valid JSON", _provider.Markup)); // checked once typing pauses
        Assert.DoesNotContain("A type is required.", _provider.Markup);
        await TypeAsync("conn-extra", "[1, 2]");
        await _provider.WaitForAssertionAsync(() => Assert.Contains("The extra must be a JSON object", _provider.Markup));

        Find("config-save").Click();

        Assert.Single(_provider.FindAll(".mud-dialog"));
        Assert.Equal(["warehouse"], (await Service.ListAsync(null)).Select(c => c.ConnId));
    }

    [Fact]
    public async Task A_blank_password_on_an_edit_keeps_the_stored_one_and_remove_password_removes_it()
    {
        await SeedAsync();
        SignInAs(Role.Op, "olga");
        await OpenFormAsync("warehouse");
        await _provider.WaitForAssertionAsync(() => Assert.Equal("unchanged", Field("conn-password").GetAttribute("placeholder")));
        Assert.True(Field("conn-id").HasAttribute("disabled"));
        Assert.Equal("", Field("conn-password").GetAttribute("value") ?? "");
        Assert.DoesNotContain(StoredPassword, _provider.Markup);
        Assert.Contains(ExtraToken, Field("conn-extra").GetAttribute("value") ?? Field("conn-extra").TextContent); // the editor sees the extra in full

        await TypeAsync("conn-host", "db2.internal");
        Find("config-save").Click();
        await WaitClosedAsync();

        var saved = await Service.GetAsync("warehouse");
        Assert.Equal("db2.internal", saved!.Host);
        Assert.Equal(StoredPassword, await StoredPasswordOfAsync("warehouse"));

        await OpenFormAsync("warehouse");
        await _provider.WaitForAssertionAsync(() => Find("conn-remove-password"));
        await _provider.Find("[data-testid='conn-remove-password'] input, input[data-testid='conn-remove-password']").ChangeAsync(new ChangeEventArgs { Value = true });
        Find("config-save").Click();
        await WaitClosedAsync();

        Assert.Null(await StoredPasswordOfAsync("warehouse"));
        Assert.False((await Service.GetAsync("warehouse"))!.HasPassword);
    }

    [Fact]
    public async Task The_services_refusal_is_shown_in_the_form_and_changes_nothing()
    {
        await SeedAsync();
        SignInAs(Role.Op, "olga");
        await OpenFormAsync();

        await TypeAsync("conn-id", "warehouse");
        await TypeAsync("conn-type", "http");
        Find("config-save").Click();

        await _provider.WaitForAssertionAsync(() => Assert.Contains("A connection 'warehouse' already exists", Find("config-error").TextContent));
        Assert.Equal("postgres", (await Service.GetAsync("warehouse"))!.ConnType);
    }

    [Fact]
    public async Task A_viewer_who_opens_the_form_anyway_is_refused_by_the_service()
    {
        await SeedAsync();
        SignInAs(Role.Viewer, "vera");

        await OpenFormAsync("warehouse");
        await _provider.WaitForAssertionAsync(() =>
            Assert.Equal("vera may not edit connections: that needs the Op role, and vera has the Viewer role.", Find("config-error").TextContent.Trim()));
        Assert.DoesNotContain(ExtraToken, _provider.Markup);
        Find("config-cancel").Click();
        await WaitClosedAsync();

        await OpenFormAsync();
        await TypeAsync("conn-id", "sneaky");
        await TypeAsync("conn-type", "postgres");
        Find("config-save").Click();
        await _provider.WaitForAssertionAsync(() => Assert.Contains("vera may not change connections", Find("config-error").TextContent));
        Assert.Null(await Service.GetAsync("sneaky"));
    }

    [Fact]
    public async Task An_op_deletes_a_connection_after_confirming_it_by_its_id()
    {
        await SeedAsync();
        SignInAs(Role.Op, "olga");
        Render<MudPopoverProvider>();
        _provider = Render<MudDialogProvider>();
        var page = Render<Connections>();
        await page.WaitForAssertionAsync(() => page.Find("[data-conn-id='warehouse']"));

        page.Find("[data-testid='delete']").Click();
        await _provider.WaitForAssertionAsync(() => Assert.Contains("Delete the connection warehouse?", _provider.Markup));
        _provider.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").Click();

        await page.WaitForAssertionAsync(() => Assert.Empty(page.FindAll("[data-conn-id='warehouse']")));
        Assert.Null(await Service.GetAsync("warehouse"));
    }

    [Fact]
    public async Task A_delete_from_a_page_whose_rights_were_taken_away_is_refused_in_a_red_toast_and_changes_nothing()
    {
        await SeedAsync();
        SignInAs(Role.Op, "olga");
        Render<MudPopoverProvider>();
        _provider = Render<MudDialogProvider>();
        var snackbars = Render<MudSnackbarProvider>();
        var page = Render<Connections>();
        await page.WaitForAssertionAsync(() => page.Find("[data-conn-id='warehouse']"));

        // The buttons were drawn for an Op; the click arrives from someone who is a Viewer by now.
        SignInAs(Role.Viewer, "olga");
        page.Find("[data-testid='delete']").Click();
        await _provider.WaitForAssertionAsync(() => Assert.Contains("Delete the connection warehouse?", _provider.Markup));
        _provider.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").Click();

        await snackbars.WaitForAssertionAsync(() =>
            Assert.Contains("olga may not delete connections: that needs the Op role, and olga has the Viewer role.", snackbars.Find(".mud-snackbar").TextContent));
        Assert.Contains("mud-alert-filled-error", snackbars.Find(".mud-snackbar").ClassName);
        Assert.NotNull(await Service.GetAsync("warehouse"));
    }
}
