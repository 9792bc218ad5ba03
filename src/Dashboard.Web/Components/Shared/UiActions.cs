using Dashboard.Core.Operations;
using Dashboard.Core.Security;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// The one way a page runs a state-changing action: run it, tell the person what happened in a
/// snackbar, and never let an error escape as a broken page.
/// </summary>
public sealed class UiActions(ISnackbar snackbar, ILogger<UiActions> logger)
{
    /// <param name="title">What the person did, e.g. "Pause taxi_pipeline".</param>
    /// <param name="action">Runs the action and returns the success message.</param>
    /// <returns>True when the action succeeded.</returns>
    public async Task<bool> RunAsync(string title, Func<Task<string>> action)
    {
        try
        {
            Succeeded(title, await action());
            return true;
        }
        catch (OperationRefusedException refused)
        {
            // A refusal for who asked is an error (the page offered nothing to click); any other, a warning about the data.
            Show(refused is AccessDeniedException ? Severity.Error : Severity.Warning, title, refused.Message, TimeSpan.FromSeconds(8));
            return false;
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Action} failed", title);
            Show(Severity.Error, title, "It failed unexpectedly; the error has been logged.", TimeSpan.FromSeconds(8));
            return false;
        }
    }

    /// <summary>For dialogs that run the action themselves, to keep a refusal next to the fields it is about.</summary>
    public void Succeeded(string title, string message) => Show(Severity.Success, title, message, TimeSpan.FromSeconds(4));

    /// <summary>For a check that answers "no" without throwing (a connection test that could not connect).</summary>
    public void Failed(string title, string message) => Show(Severity.Error, title, message, TimeSpan.FromSeconds(8));

    private void Show(Severity severity, string title, string message, TimeSpan visible) =>
        snackbar.Add(Message(title, message), severity, options =>
        {
            options.VisibleStateDuration = (int)visible.TotalMilliseconds;
            // Two snackbars for the same action (a double click) are one message.
            options.DuplicatesBehavior = SnackbarDuplicatesBehavior.Prevent;
        }, key: $"{severity}|{title}|{message}");

    private static RenderFragment Message(string title, string message) => builder =>
    {
        builder.OpenElement(0, "div");
        builder.AddAttribute(1, "class", "snackbar-message");
        builder.AddAttribute(2, "data-testid", "snackbar");
        builder.OpenElement(3, "strong");
        builder.AddContent(4, title);
        builder.CloseElement();
        builder.OpenElement(5, "div");
        builder.AddContent(6, message);
        builder.CloseElement();
        builder.CloseElement();
    };
}
