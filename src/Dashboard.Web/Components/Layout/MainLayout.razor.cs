using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using Dashboard.Web.Components.Shared;
using MudBlazor;

namespace Dashboard.Web.Components.Layout;

public enum ThemeMode
{
    System,
    Light,
    Dark,
}

/// <summary>
/// The shell around every signed-in page: the app bar (search, theme, shortcuts, the user), the
/// mini navigation drawer and the providers MudBlazor needs. The theme follows the system unless
/// the person chose one, in this browser; a cookie carries the resolved mode to the next page's
/// first, prerendered paint, so it does not flash light before turning dark.
/// </summary>
public sealed partial class MainLayout
{
    public const string DarkCookie = "dashboard-dark";

    /// <summary>"dag" when the person reads times in each DAG's time zone; UTC otherwise.</summary>
    public const string TimesCookie = "dashboard-times";

    private ErrorBoundary? _errorBoundary;
    private IJSObjectReference? _module;
    private IJSObjectReference? _shortcuts;
    private IJSObjectReference? _systemDarkWatch;
    private DotNetObjectReference<MainLayout>? _self;
    private ThemeMode _themeMode = ThemeMode.System;
    private bool _drawerOpen;
    private bool _dark;
    private string _path = "";

    /// <summary>False in the prerendered HTML, true once the circuit runs: automation waits on it.</summary>
    private bool _interactive;

    [CascadingParameter]
    private HttpContext? HttpContext { get; set; }

    /// <summary>The dark mode the prerender read from the cookie, carried into the interactive render.</summary>
    [PersistentState]
    public bool? PrerenderedDark { get; set; }

    /// <summary>The time display the prerender read from its cookie, likewise.</summary>
    [PersistentState]
    public bool? PrerenderedDagTimes { get; set; }

    private TimeDisplay _times = TimeDisplay.Utc;

    private string ThemeIcon => _themeMode switch
    {
        ThemeMode.Light => AppIcons.Filled.LightMode,
        ThemeMode.Dark => AppIcons.Filled.DarkMode,
        _ => AppIcons.Filled.BrightnessAuto,
    };

    protected override void OnInitialized()
    {
        if (HttpContext is not null)
        {
            PrerenderedDark = HttpContext.Request.Cookies[DarkCookie] == "1";
            PrerenderedDagTimes = HttpContext.Request.Cookies[TimesCookie] == "dag";
        }

        _dark = PrerenderedDark ?? false;
        _times = PrerenderedDagTimes is true ? TimeDisplay.DagZone : TimeDisplay.Utc;
        _path = PathOf(Navigation.Uri);
        Navigation.LocationChanged += OnLocationChanged;
    }

    protected override void OnParametersSet() => _errorBoundary?.Recover();

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        _interactive = true;
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/app.js");
        _self = DotNetObjectReference.Create(this);
        _shortcuts = await _module.InvokeAsync<IJSObjectReference>("registerShortcuts", _self);
        _themeMode = Enum.TryParse<ThemeMode>(await _module.InvokeAsync<string>("loadThemeMode"), ignoreCase: true, out var mode) ? mode : ThemeMode.System;
        _systemDarkWatch = await _module.InvokeAsync<IJSObjectReference>("watchSystemDark", _self);
        await ApplyThemeAsync();
        StateHasChanged();
    }

    private async Task SetThemeAsync(ThemeMode mode)
    {
        _themeMode = mode;
        await ApplyThemeAsync();
    }

    private async Task ApplyThemeAsync()
    {
        _dark = _themeMode switch
        {
            ThemeMode.Dark => true,
            ThemeMode.Light => false,
            _ => _module is not null && await _module.InvokeAsync<bool>("systemDark"),
        };
        if (_module is not null)
        {
            await _module.InvokeVoidAsync("applyTheme", _themeMode.ToString().ToLowerInvariant(), _dark);
        }
    }

    [JSInvokable]
    public Task SystemDarkChanged() => InvokeAsync(async () =>
    {
        if (_themeMode == ThemeMode.System)
        {
            await ApplyThemeAsync();
            StateHasChanged();
        }
    });

    private async Task SetTimesAsync(TimeDisplay times)
    {
        _times = times;
        if (_module is not null)
        {
            await _module.InvokeVoidAsync("saveTimes", times.InDagZone ? "dag" : "utc");
        }
    }

    private void ToggleDrawer() => _drawerOpen = !_drawerOpen;

    // A snackbar is about the page it was raised on: another page starts without them. A new query
    // string (a grid selection, a filter) is the same page, and keeps them.
    private void OnLocationChanged(object? sender, LocationChangedEventArgs e)
    {
        var path = PathOf(e.Location);
        if (path != _path)
        {
            _path = path;
            Snackbar.Clear();
        }
    }

    private string PathOf(string uri) => Navigation.ToBaseRelativePath(uri).Split('?', '#')[0];

    [JSInvokable]
    public Task OpenSearch() => InvokeAsync(OpenSearchAsync);

    [JSInvokable]
    public Task OpenShortcuts() => InvokeAsync(OpenShortcutsAsync);

    private async Task OpenSearchAsync() =>
        await Dialogs.ShowAsync<SearchDialog>(title: null, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, NoHeader = true, Position = DialogPosition.TopCenter });

    private async Task OpenShortcutsAsync() =>
        await Dialogs.ShowAsync<ShortcutsDialog>("Keyboard shortcuts", new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseButton = true });

    private void Recover() => _errorBoundary?.Recover();

    public async ValueTask DisposeAsync()
    {
        Navigation.LocationChanged -= OnLocationChanged;
        await BrowserModule.ReleaseAsync(_systemDarkWatch, module: null);
        await BrowserModule.ReleaseAsync(_shortcuts, _module);

        _self?.Dispose();
    }
}
