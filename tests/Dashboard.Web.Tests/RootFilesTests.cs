using System.Net;
using System.Text.RegularExpressions;
using Dashboard.Testing;

namespace Dashboard.Web.Tests;

/// <summary>The design card puts appsettings.json and wwwroot/ at the repository root; the app must really use them.</summary>
public sealed partial class RootFilesTests
{
    [Fact]
    public void The_app_reads_the_root_appsettings_json()
    {
        var root = File.ReadAllBytes(Path.Combine(RepositoryLayout.Root, "appsettings.json"));

        // What `dotnet run` starts, and what this in-process host reads, is the root file itself.
        Assert.Equal(root, File.ReadAllBytes(Path.Combine(RepositoryLayout.WebAppOutput, "appsettings.json")));
        Assert.Equal(root, File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "appsettings.json")));
        Assert.False(File.Exists(Path.Combine(RepositoryLayout.Root, "src", "Dashboard.Web", "appsettings.json")));
    }

    [Fact]
    public async Task A_css_file_in_the_root_wwwroot_is_served()
    {
        await using var app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync());
        using var client = await app.CreateSignedInClientAsync();

        var page = await client.GetStringAsync("/");
        var href = StylesheetLink().Match(page);
        Assert.True(href.Success, "the page links the app stylesheet");
        using var response = await client.GetAsync(href.Groups["href"].Value);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
        var served = await response.Content.ReadAsStringAsync();
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(RepositoryLayout.Root, "wwwroot", "css", "app.css")), served);
    }

    [Fact]
    public async Task The_title_from_the_root_settings_is_shown()
    {
        await using var app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync());
        using var client = await app.CreateSignedInClientAsync();

        var page = await client.GetStringAsync("/");

        Assert.Contains("<span class=\"app-title\" data-testid=\"app-title\">Dashboard</span>", page);
    }

    [GeneratedRegex("<link rel=\"stylesheet\" href=\"(?<href>css/app[^\"]*\\.css)\"")]
    private static partial Regex StylesheetLink();
}
