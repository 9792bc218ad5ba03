using System.Security.Claims;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Dashboard.Web.Components.Shared;
using Dashboard.Web.Hosting;
using Dashboard.Core.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using Radzen;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// Renders one component to HTML with Blazor's own HtmlRenderer (bUnit cannot be installed here) and
/// parses it for selectors. Interaction is the browser tests' job.
/// </summary>
internal static class ComponentRenderer
{
    public static async Task<IDocument> RenderAsync<TComponent>(Dictionary<string, object?> parameters) where TComponent : IComponent
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddRadzenComponents()
            .AddSingleton<IJSRuntime, NoJavaScript>()
            .AddSingleton<NavigationManager, FixedNavigation>()
            .AddSingleton(Options.Create(new DashboardOptions()))
            .AddSingleton<AuthenticationStateProvider, SignedInAdmin>()
            .AddScoped<CurrentOperator>();
        await using var provider = services.BuildServiceProvider();
        await using var renderer = new HtmlRenderer(provider, provider.GetRequiredService<ILoggerFactory>());
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
            (await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters))).ToHtmlString());
        return new HtmlParser().ParseDocument(html);
    }

    /// <summary>Static rendering calls no JavaScript; anything that tries gets a default answer.</summary>
    private sealed class NoJavaScript : IJSRuntime
    {
        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) => ValueTask.FromResult(default(TValue)!);

        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args) =>
            ValueTask.FromResult(default(TValue)!);
    }

    /// <summary>The signed-in user a component sees: an Admin, who may do everything.</summary>
    private sealed class SignedInAdmin : AuthenticationStateProvider
    {
        private static readonly AuthenticationState State = new(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, nameof(Role.Admin))], authenticationType: "test")));

        public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(State);
    }

    private sealed class FixedNavigation : NavigationManager
    {
        public FixedNavigation() => Initialize("http://dashboard.test/", "http://dashboard.test/");
    }
}
