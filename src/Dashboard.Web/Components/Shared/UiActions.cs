using Dashboard.Core.Operations;
using Radzen;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// The one way a page runs a state-changing action: run it, tell the person what happened in a
/// toast, and never let an error escape as a broken page.
/// </summary>
public sealed class UiActions(NotificationService notifications, ILogger<UiActions> logger)
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
            notifications.Notify(NotificationSeverity.Warning, title, refused.Message, TimeSpan.FromSeconds(8));
            return false;
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Action} failed", title);
            notifications.Notify(NotificationSeverity.Error, title, "It failed unexpectedly; the error has been logged.", TimeSpan.FromSeconds(8));
            return false;
        }
    }

    /// <summary>For dialogs that run the action themselves, to keep a refusal next to the fields it is about.</summary>
    public void Succeeded(string title, string message) =>
        notifications.Notify(NotificationSeverity.Success, title, message, TimeSpan.FromSeconds(4));
}
