using Dashboard.Core.Operations;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Web.Components.Config;

/// <summary>
/// The life of a connection or variable form: field problems next to their fields before anything
/// is sent, the service's refusal inside the dialog, one request id per dialog so a double click on
/// Save applies once, and a toast on success.
/// </summary>
public abstract class ConfigDialogBase : ComponentBase
{
    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = null!;

    [Inject]
    protected UiActions Actions { get; set; } = null!;

    [Inject]
    protected CurrentOperator Operator { get; set; } = null!;

    [Inject]
    private ILogger<ConfigDialogBase> Logger { get; set; } = null!;

    /// <summary>One per dialog: a second Save with the same id changes nothing.</summary>
    protected Guid RequestId { get; } = Guid.NewGuid();

    protected string? Error { get; set; }

    protected bool Busy { get; private set; }

    /// <summary>The form whose fields check themselves as they change, and all at once on Save.</summary>
    protected MudForm? Form { get; set; }

    /// <param name="title">What the toast calls the action, e.g. "Add connection db".</param>
    /// <param name="valid">The draft's own checks passed.</param>
    /// <param name="save">Saves and returns the toast's message.</param>
    protected async Task SaveAsync(string title, bool valid, Func<Task<string>> save)
    {
        if (Busy)
        {
            return;
        }

        // Every field shows its problem now, an untouched empty one too.
        if (Form is not null)
        {
            await Form.ValidateAsync();
        }

        if (!valid || Form is { IsValid: false })
        {
            return;
        }

        Busy = true;
        Error = null;
        try
        {
            Actions.Succeeded(title, await save());
            Dialog.Close(DialogResult.Ok(true));
        }
        catch (OperationRefusedException refused)
        {
            Error = refused.Message;
        }
        catch (Exception e)
        {
            Logger.LogError(e, "{Action} failed", title);
            Error = "It failed unexpectedly and nothing was changed; the error has been logged.";
        }
        finally
        {
            Busy = false;
        }
    }

    protected void Cancel() => Dialog.Cancel();
}
