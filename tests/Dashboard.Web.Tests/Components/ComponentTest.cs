using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Bunit;
using Bunit.TestDoubles;
using Dashboard.Core.Notifications;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Hosting;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// A bUnit test of components, with the app's own UI services (MudBlazor, snackbars, the current
/// user) and, when a test needs real data, a real engine on a throw-away PostgreSQL database
/// (<see cref="UseEngineAsync"/>): dialogs preview and apply through the real services.
/// </summary>
public abstract class ComponentTest : BunitContext, IAsyncLifetime
{
    private readonly BunitAuthorizationContext _authorization;
    private EngineHarness? _engine;

    protected ComponentTest()
    {
        // A guard against a hang, not a timing: a loaded machine may take seconds where an idle one takes milliseconds.
        DefaultWaitTimeout = TimeSpan.FromSeconds(30);
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddLogging();
        Services.AddSingleton(Options.Create(new DashboardOptions()));
        Services.AddDashboardUi();
        _authorization = AddAuthorization();
        SignInAs(Role.Admin);
    }

    /// <summary>The engine whose services the components use; set by <see cref="UseEngineAsync"/>.</summary>
    protected EngineHarness Engine => _engine ?? throw new InvalidOperationException("Call UseEngineAsync first.");

    protected void SignInAs(Role role, string name = "pat")
    {
        _authorization.SetAuthorized(name);
        _authorization.SetRoles(role.ToString());
    }

    /// <summary>A fresh engine and database; components get its services (queries, Clear, Mark, Backfill, Trigger).</summary>
    /// <param name="settings">Settings beyond the harness's own (notification channels, say).</param>
    protected async Task<EngineHarness> UseEngineAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        _engine = await EngineHarness.CreateAsync(settings: settings);
        Services.AddSingleton(_engine.Notifier);
        Services.AddSingleton<TimeProvider>(_engine.Clock);
        Services.AddFallbackServiceProvider(_engine.Services);

        // As in the app: interactive server, so pages and panels follow the database's changes.
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        return _engine;
    }

    /// <summary>Opens <typeparamref name="TDialog"/> the way the app does, inside the providers it needs.</summary>
    protected async Task<(IRenderedComponent<MudDialogProvider> Provider, IDialogReference Dialog)> ShowDialogAsync<TDialog>(
        DialogParameters parameters, string title = "Dialog") where TDialog : ComponentBase
    {
        Render<MudPopoverProvider>();
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        IDialogReference? dialog = null;
        await provider.InvokeAsync(async () => dialog = await dialogs.ShowAsync<TDialog>(title, parameters));
        return (provider, dialog!);
    }

    /// <summary>
    /// Renders the providers and runs <paramref name="open"/>, an opener of the app's (such as
    /// <c>TaskActionDialogs.ClearAsync</c>), on the renderer; returns the provider and the opener's
    /// answer, which completes when the dialog closes.
    /// </summary>
    protected async Task<(IRenderedComponent<MudDialogProvider> Provider, Task<T> Closed)> OpenDialogAsync<T>(Func<IServiceProvider, Task<T>> open)
    {
        Render<MudPopoverProvider>();
        var provider = Render<MudDialogProvider>();
        Task<T>? closed = null;
        await provider.InvokeAsync(() => { closed = open(Services); }); // a statement: not awaited, it completes when the dialog closes
        return (provider, closed!);
    }

    /// <summary>Renders <typeparamref name="TComponent"/> and parses its markup, for tests that only read what it draws.</summary>
    protected IDocument RenderPage<TComponent>(Action<ComponentParameterCollectionBuilder<TComponent>> parameters) where TComponent : IComponent =>
        new HtmlParser().ParseDocument(Render(parameters).Markup);

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }
    }
}
