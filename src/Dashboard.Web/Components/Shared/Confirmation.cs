using MudBlazor;

namespace Dashboard.Web.Components.Shared;

/// <summary>The one "are you sure?" box: a title, what will happen, and two buttons that say what they do.</summary>
public static class Confirmation
{
    public static async Task<bool> ConfirmAsync(this IDialogService dialogs, string title, string message, string yes, string no) =>
        await dialogs.ShowMessageBoxAsync(new MessageBoxOptions
        {
            Title = title,
            Message = message,
            YesText = yes,
            CancelText = no,
        }, new DialogOptions { MaxWidth = MaxWidth.ExtraSmall, FullWidth = true }) is true;
}
