using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Selection;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Web.Components.Dialogs;

/// <summary>
/// The life of a Clear or Mark dialog: show the preview, refresh it when an option changes,
/// confirm exactly what was shown, and keep every refusal inside the dialog, next to the options
/// it is about. Nothing is half-applied: the services run each action in one transaction.
/// </summary>
public abstract class ActionDialogBase<TPreview> : ComponentBase where TPreview : class, IActionPreview
{
    private int _previewRequest;

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = null!;

    [Inject]
    protected UiActions Actions { get; set; } = null!;

    [Inject]
    protected CurrentOperator Operator { get; set; } = null!;

    [Inject]
    private ILogger<ActionDialogBase<TPreview>> Logger { get; set; } = null!;

    protected TPreview? Preview { get; private set; }

    protected string? Error { get; private set; }

    protected bool Busy { get; private set; }

    protected bool Loading { get; private set; } = true;

    protected string? Note { get; set; }

    /// <summary>One per dialog: a double click on Confirm sends the same id twice, and the second changes nothing.</summary>
    protected Guid RequestId { get; } = Guid.NewGuid();

    /// <summary>What the action is called in toasts, e.g. "Clear".</summary>
    protected abstract string ActionName { get; }

    protected abstract Task<TPreview> LoadPreviewAsync();

    /// <summary>Applies the confirmed preview and returns the toast's message.</summary>
    protected abstract Task<string> ExecuteAsync(TPreview confirmed);

    protected bool CanConfirm => !Busy && !Loading && Preview is { Blocker: null };

    protected override Task OnInitializedAsync() => RefreshPreviewAsync();

    /// <summary>Loads the preview for the current options; an answer overtaken by a newer request is dropped.</summary>
    protected async Task RefreshPreviewAsync()
    {
        var request = ++_previewRequest;
        Loading = true;
        Error = null;
        try
        {
            var preview = await LoadPreviewAsync();
            if (request == _previewRequest)
            {
                Preview = preview;
            }
        }
        catch (OperationRefusedException refused) when (request == _previewRequest)
        {
            Preview = null;
            Error = refused.Message;
        }
        catch (Exception e) when (request == _previewRequest && e is not OperationCanceledException)
        {
            Logger.LogError(e, "{Action} preview failed", ActionName);
            Preview = null;
            Error = "The preview failed unexpectedly; the error has been logged.";
        }
        finally
        {
            if (request == _previewRequest)
            {
                Loading = false;
            }
        }
    }

    protected async Task ConfirmAsync()
    {
        if (!CanConfirm)
        {
            return;
        }

        Busy = true;
        try
        {
            var message = await ExecuteAsync(Preview!);
            Actions.Succeeded(ActionName, message);
            Dialog.Close(DialogResult.Ok(true));
        }
        catch (PreviewOutdatedException outdated)
        {
            await RefreshPreviewAsync();
            Error = outdated.Message;
        }
        catch (OperationRefusedException refused)
        {
            Error = refused.Message;
        }
        catch (Exception e)
        {
            Logger.LogError(e, "{Action} failed", ActionName);
            Error = "It failed unexpectedly and nothing was changed; the error has been logged.";
        }
        finally
        {
            Busy = false;
        }
    }

    protected void Cancel() => Dialog.Cancel();

    protected static string Count(int count, string noun) => $"{count:N0} {noun}{(count == 1 ? "" : "s")}";
}
