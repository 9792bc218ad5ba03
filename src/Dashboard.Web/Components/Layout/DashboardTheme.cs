using MudBlazor;

namespace Dashboard.Web.Components.Layout;

/// <summary>
/// The one theme: calm neutrals so the state colours (the grid's, Airflow's) carry the meaning,
/// Roboto served from the app itself, and a dark palette whose surfaces keep those colours readable.
/// </summary>
public static class DashboardTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949ab",
            Secondary = "#00897b",
            AppbarBackground = "#1e2a5a",
            AppbarText = "#ffffff",
            Background = "#f6f7fb",
            Surface = "#ffffff",
            DrawerBackground = "#ffffff",
            DrawerText = "rgba(0,0,0,0.78)",
            TextPrimary = "rgba(0,0,0,0.87)",
            TextSecondary = "rgba(0,0,0,0.62)",
            LinesDefault = "rgba(0,0,0,0.12)",
            TableLines = "rgba(0,0,0,0.08)",
            Success = "#2e7d32",
            Error = "#c62828",
            Warning = "#ed6c02",
            Info = "#0277bd",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8c9eff",
            Secondary = "#4db6ac",
            AppbarBackground = "#151a2d",
            AppbarText = "#e8eaf6",
            Background = "#121420",
            Surface = "#1b1e2e",
            DrawerBackground = "#171a28",
            DrawerText = "rgba(255,255,255,0.82)",
            TextPrimary = "rgba(255,255,255,0.90)",
            TextSecondary = "rgba(255,255,255,0.64)",
            LinesDefault = "rgba(255,255,255,0.14)",
            TableLines = "rgba(255,255,255,0.08)",
            Success = "#66bb6a",
            Error = "#ef5350",
            Warning = "#ffa726",
            Info = "#4fc3f7",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Roboto", "system-ui", "sans-serif"] },
        },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "220px", DrawerMiniWidthLeft = "56px", AppbarHeight = "56px" },
        // Snackbars between the app bar and a dialog: a toast never covers an open dialog.
        ZIndex = new ZIndex { Snackbar = 1350 },
    };
}
