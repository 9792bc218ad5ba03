using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Net.Http.Headers;
using MudBlazor;

namespace Dashboard.Web.Hosting;

/// <summary>
/// The stylesheets the app writes once at start-up rather than ships as files: the icons the pages
/// name by class (<see cref="IconStylesheet"/>) and the theme's CSS variables, light and dark
/// (<see cref="ThemeStylesheet"/>). Both used to ride inside every page, twice (in the prerendered
/// HTML and again in the circuit's first render); as stylesheets the browser fetches them once and
/// keeps them. Each is linked with its content's hash, so a new build is never served a stale one.
/// </summary>
public sealed class Stylesheets
{
    public const string Icons = "icons";
    public const string ThemeLight = "theme-light";
    public const string ThemeDark = "theme-dark";

    private const string PathPrefix = "/styles/";

    private readonly FrozenDictionary<string, Sheet> _sheets;

    private Stylesheets(Dictionary<string, string> sheets) =>
        _sheets = sheets.ToFrozenDictionary(s => s.Key, s => new Sheet(s.Value, VersionOf(s.Value)));

    public static async Task<Stylesheets> CreateAsync(MudTheme theme) => new(new Dictionary<string, string>
    {
        [Icons] = IconStylesheet.Build(),
        [ThemeLight] = await ThemeStylesheet.RenderAsync(theme, dark: false),
        [ThemeDark] = await ThemeStylesheet.RenderAsync(theme, dark: true),
    });

    /// <summary>The sheet's address, with its version: what a page links.</summary>
    public string Href(string name) => $"{PathPrefix.TrimStart('/')}{name}.css?v={_sheets[name].Version}";

    public string Css(string name) => _sheets[name].Css;

    /// <summary>
    /// <c>GET</c> (and <c>HEAD</c>) <c>/styles/{name}.css</c>, for anyone (the sign-in page needs the theme too). Asked for
    /// with its current version, the answer is cached for good; otherwise it is revalidated.
    /// </summary>
    public void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapMethods(PathPrefix + "{name}.css", [HttpMethods.Get, HttpMethods.Head], (string name, string? v, HttpContext context) =>
        {
            if (!_sheets.TryGetValue(name, out var sheet))
            {
                return Results.NotFound();
            }

            var headers = context.Response.GetTypedHeaders();
            headers.ETag = new EntityTagHeaderValue($"\"{sheet.Version}\"");
            headers.CacheControl = v == sheet.Version
                ? new CacheControlHeaderValue { Public = true, MaxAge = TimeSpan.FromDays(365), Extensions = { new NameValueHeaderValue("immutable") } }
                : new CacheControlHeaderValue { NoCache = true };
            var asked = context.Request.GetTypedHeaders().IfNoneMatch;
            return asked.Any(tag => tag.Compare(headers.ETag, useStrongComparison: false))
                ? Results.StatusCode(StatusCodes.Status304NotModified)
                : Results.Text(sheet.Css, "text/css", Encoding.UTF8);
        }).AllowAnonymous();

    private static string VersionOf(string css) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(css)).AsSpan(0, 8));

    private sealed record Sheet(string Css, string Version);
}
