using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using MudBlazor;
using MudBlazor.Services;

namespace Dashboard.Web.Hosting;

/// <summary>
/// The theme's CSS (MudBlazor's palette, typography and layout variables, its scroll bars) exactly
/// as <see cref="MudThemeProvider"/> writes it into a page, rendered once per mode off-page. The
/// dark sheet is linked after the light one and switched on by its media attribute.
/// </summary>
public static partial class ThemeStylesheet
{
    public static async Task<string> RenderAsync(MudTheme theme, bool dark)
    {
        await using var services = new ServiceCollection().AddLogging().AddMudServices().AddSingleton<IJSRuntime, NoBrowser>().BuildServiceProvider();
        await using var renderer = new HtmlRenderer(services, services.GetRequiredService<ILoggerFactory>());
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var parameters = ParameterView.FromDictionary(new Dictionary<string, object?>
            {
                [nameof(MudThemeProvider.Theme)] = theme,
                [nameof(MudThemeProvider.IsDarkMode)] = dark,
            });
            return (await renderer.RenderComponentAsync<MudThemeProvider>(parameters)).ToHtmlString();
        });
        var styles = StyleElement().Matches(html).Select(m => m.Groups["css"].Value.Trim()).ToList();
        return styles.Count > 0
            ? string.Join('\n', styles) + '\n'
            : throw new InvalidOperationException("MudThemeProvider rendered no style element.");
    }

    [GeneratedRegex("<style[^>]*>(?<css>.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleElement();

    /// <summary>Rendered off-page, the provider has no browser to talk to; it only says goodbye to one when disposed.</summary>
    private sealed class NoBrowser : IJSRuntime
    {
        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) => ValueTask.FromResult<TValue>(default!);

        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args) =>
            ValueTask.FromResult<TValue>(default!);
    }
}
