using AngleSharp.Dom;
using Bunit;
using Dashboard.Core.Connections;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Components.Config;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The Variables page and its form over the real service: a secret variable is <c>***</c> for
/// everyone, a Viewer has nothing to change it by, a blank value on a secret's edit keeps it, and
/// the form and the service say what is wrong.
/// </summary>
public sealed class VariablesPageTests : ComponentTest
{
    private const string SecretValue = "s3cr3t-value-41c2";

    private IRenderedComponent<MudDialogProvider> _provider = null!;

    private VariableService Service => Services.GetRequiredService<VariableService>();

    private async Task SeedAsync()
    {
        await UseEngineAsync();
        var admin = Actors.Admin("admin");
        await Service.SaveAsync(admin, new VariableEdit("payments_key", SecretValue, true, "Payments API", SaveMode.Create));
        await Service.SaveAsync(admin, new VariableEdit("retention_days", "90", false, null, SaveMode.Create));
    }

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

    private async Task OpenFormAsync(VariableSummary? existing = null) =>
        (_provider, _) = await ShowDialogAsync<VariableDialog>(new DialogParameters<VariableDialog> { { d => d.Existing, existing } });

    [Theory]
    [InlineData(Role.Viewer)]
    [InlineData(Role.User)]
    [InlineData(Role.Op)]
    public async Task A_secret_is_stars_for_everyone_and_only_an_op_gets_the_buttons(Role role)
    {
        await SeedAsync();
        SignInAs(role, "pat");

        var page = Render<Variables>();

        await page.WaitForAssertionAsync(() => page.Find("[data-key='payments_key']"));
        Assert.Equal("***", page.Find("[data-testid='secret-value']").TextContent.Trim());
        Assert.Equal("90", page.Find("[data-testid='plain-value']").TextContent.Trim());
        Assert.DoesNotContain(SecretValue, page.Markup);
        foreach (var button in new[] { "add", "edit", "delete", "import-button", "export-include-secrets" })
        {
            Assert.Equal(role >= Role.Op, page.FindAll($"[data-testid='{button}']").Count > 0);
        }
    }

    [Fact]
    public async Task A_blank_value_on_a_secrets_edit_keeps_it()
    {
        await SeedAsync();
        SignInAs(Role.Op, "olga");
        await OpenFormAsync(await Service.GetAsync("payments_key"));
        Assert.Equal("unchanged", Field("var-value").GetAttribute("placeholder"));
        Assert.DoesNotContain(SecretValue, _provider.Markup);

        await TypeAsync("var-description", "Payments API, live");
        Find("config-save").Click();
        await _provider.WaitForAssertionAsync(() => Assert.Empty(_provider.FindAll(".mud-dialog")));

        Assert.Equal(SecretValue, await Service.GetValueAsync(Actors.Admin("admin"), "payments_key"));
        Assert.Equal("Payments API, live", (await Service.GetAsync("payments_key"))!.Description);
    }

    [Fact]
    public async Task The_form_names_a_bad_key_and_the_service_refuses_an_existing_one()
    {
        await SeedAsync();
        SignInAs(Role.Op, "olga");
        await OpenFormAsync();

        Find("config-save").Click();
        await _provider.WaitForAssertionAsync(() => Assert.Contains("A key is required.", _provider.Markup));
        await TypeAsync("var-key", "two words");
        await _provider.WaitForAssertionAsync(() => Assert.Contains("Use 1 to 250 letters, digits or '_'.", _provider.Find(".mud-dialog").TextContent));

        await TypeAsync("var-key", "retention_days");
        await TypeAsync("var-value", "30");
        Find("config-save").Click();

        await _provider.WaitForAssertionAsync(() => Assert.Contains("A variable 'retention_days' already exists", Find("config-error").TextContent));
        Assert.Equal("90", (await Service.GetAsync("retention_days"))!.Value);
    }

    [Fact]
    public async Task A_viewer_who_saves_the_form_anyway_is_refused_and_nothing_changes()
    {
        await SeedAsync();
        SignInAs(Role.Viewer, "vera");
        await OpenFormAsync(await Service.GetAsync("retention_days"));

        await TypeAsync("var-value", "1");
        Find("config-save").Click();

        await _provider.WaitForAssertionAsync(() =>
            Assert.Equal("vera may not change variables: that needs the Op role, and vera has the Viewer role.", Find("config-error").TextContent.Trim()));
        Assert.Equal("90", (await Service.GetAsync("retention_days"))!.Value);
    }

    [Fact]
    public async Task An_import_shows_its_counts_and_a_bad_file_shows_the_services_message_and_changes_nothing()
    {
        await SeedAsync();
        SignInAs(Role.Op, "olga");
        var snackbars = Render<MudSnackbarProvider>();
        var page = Render<Variables>();
        await page.WaitForAssertionAsync(() => page.Find("[data-key='payments_key']"));

        page.FindComponent<Microsoft.AspNetCore.Components.Forms.InputFile>().UploadFiles(
            InputFileContent.CreateFromText("""{"retention_days": "30", "region": "eu-west-1"}""", "variables.json"));

        await snackbars.WaitForAssertionAsync(() => Assert.Contains("1 created, 1 updated.", snackbars.Markup));
        await page.WaitForAssertionAsync(() => page.Find("[data-key='region']"));
        Assert.Equal("30", (await Service.GetAsync("retention_days"))!.Value);

        page.FindComponent<Microsoft.AspNetCore.Components.Forms.InputFile>().UploadFiles(
            InputFileContent.CreateFromText("""{"retention_days": "7", "bad key": "x"}""", "broken.json"));

        await snackbars.WaitForAssertionAsync(() => Assert.Contains("'bad key' is not a valid variable key", snackbars.Markup));
        Assert.Equal("30", (await Service.GetAsync("retention_days"))!.Value);
    }
}
