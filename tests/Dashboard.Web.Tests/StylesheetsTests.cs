using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Dashboard.Testing;
using Dashboard.Web.Components.Layout;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Hosting;

namespace Dashboard.Web.Tests;

/// <summary>The icons and the theme, served as stylesheets the app writes at start-up instead of markup in every page.</summary>
public sealed partial class StylesheetsTests
{
    [Fact]
    public void Every_app_icon_is_drawn_by_its_material_icon_under_its_own_class()
    {
        var declared = typeof(AppIcons).GetNestedTypes().SelectMany(kind => kind.GetFields()).Select(icon => (string)icon.GetValue(null)!).ToList();
        var icons = IconStylesheet.Icons().ToList();
        var css = IconStylesheet.Build();

        Assert.Equal(declared.Count, icons.Count);
        Assert.Equal(icons.Count, icons.Select(i => i.CssClass).Distinct().Count());
        Assert.All(declared, icon => Assert.StartsWith("app-icon ", icon, StringComparison.Ordinal));
        // Material's own path, as a mask: MudBlazor.Icons.Material.Filled.Menu is "...<path d="M3 18h18v-2H3v2zm0-5h18v-2H3v2zm0-7v2h18V6H3z"/>".
        var menu = Assert.Single(icons, i => i.CssClass == "filled-menu");
        Assert.Equal(MudBlazor.Icons.Material.Filled.Menu, menu.Svg);
        Assert.Contains(".filled-menu{--app-icon:url(\"data:image/svg+xml," + Uri.EscapeDataString("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\">"), css);
        Assert.All(icons, icon => Assert.Single(Regex.Matches(css, $@"^\.{icon.CssClass}\{{", RegexOptions.Multiline)));
    }

    [Fact]
    public async Task The_theme_sheets_hold_the_apps_light_and_dark_palettes()
    {
        var light = await ThemeStylesheet.RenderAsync(DashboardTheme.Theme, dark: false);
        var dark = await ThemeStylesheet.RenderAsync(DashboardTheme.Theme, dark: true);

        // #f6f7fb and #121420, the palettes' backgrounds in DashboardTheme.
        Assert.Contains("--mud-palette-background: rgba(246,247,251,1);", light);
        Assert.Contains("--mud-native-html-color-scheme: light;", light);
        Assert.Contains("--mud-palette-background: rgba(18,20,32,1);", dark);
        Assert.Contains("--mud-native-html-color-scheme: dark;", dark);
        Assert.DoesNotContain("<style", light + dark);
    }

    [Fact]
    public async Task Pages_link_the_sheets_by_version_and_the_server_lets_browsers_keep_them()
    {
        await using var app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync());
        using var anonymous = app.CreateClient();
        using var client = await app.CreateSignedInClientAsync();

        var page = await client.GetStringAsync("/");
        Assert.DoesNotContain("mud-theme-provider", page);
        Assert.DoesNotContain("<path", page);
        var links = StylesheetLink().Matches(page).Select(m => WebUtility.HtmlDecode(m.Groups["href"].Value)).ToList();
        Assert.Equal(3, links.Count);
        Assert.Contains("media=\"not all\"", page);

        foreach (var link in links)
        {
            // Anyone may fetch them: the sign-in page is themed too.
            using var response = await anonymous.GetAsync(link);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.CacheControl?.Public);
            Assert.Equal(TimeSpan.FromDays(365), response.Headers.CacheControl?.MaxAge);
            using var head = await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Head, link));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);

            using var unversioned = await anonymous.GetAsync(link.Split('?')[0]);
            Assert.True(unversioned.Headers.CacheControl?.NoCache);
            using var revalidation = new HttpRequestMessage(HttpMethod.Get, link.Split('?')[0]);
            revalidation.Headers.IfNoneMatch.Add(unversioned.Headers.ETag!);
            using var notModified = await anonymous.SendAsync(revalidation);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        using var unknown = await client.GetAsync("/styles/nothing.css");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task The_first_paint_is_dark_when_the_browser_last_chose_dark()
    {
        await using var app = await DashboardAppHost.StartAsync(await TestPostgres.CreateDatabaseAsync());
        using var client = app.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/signin");
        request.Headers.Add("Cookie", $"{MainLayout.DarkCookie}=1");

        var page = await (await client.SendAsync(request)).Content.ReadAsStringAsync();

        Assert.Matches("""<link rel="stylesheet" href="styles/theme-dark\.css\?v=[0-9a-f]+" id="theme-dark" media="all" />""", page);
    }

    [GeneratedRegex("""<link rel="stylesheet" href="(?<href>styles/[^"]+)" """)]
    private static partial Regex StylesheetLink();
}
