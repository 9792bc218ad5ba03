using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Selection;
using MudBlazor;

namespace Dashboard.Web.Components.Dialogs;

/// <summary>Opens the Clear and Mark dialogs; each returns true when the action was applied.</summary>
public sealed class TaskActionDialogs(IDialogService dialogs)
{
    private static readonly DialogOptions Options = new() { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true, CloseButton = true };

    /// <param name="subject">What is cleared, in words, for the title: a task and its run, or a count.</param>
    public Task<bool> ClearAsync(string dagId, IReadOnlyList<TaskTarget> targets, bool pastAndFutureAvailable, string subject) =>
        OpenAsync<ClearDialog>($"Clear {subject}", new DialogParameters
        {
            [nameof(ClearDialog.DagId)] = dagId,
            [nameof(ClearDialog.Targets)] = targets,
            [nameof(ClearDialog.PastAndFutureAvailable)] = pastAndFutureAvailable,
        });

    public Task<bool> ClearRunAsync(string dagId, string runId, bool onlyFailed) =>
        OpenAsync<ClearDialog>($"Clear & Retry run {runId}", new DialogParameters
        {
            [nameof(ClearDialog.DagId)] = dagId,
            [nameof(ClearDialog.Targets)] = new[] { TaskTarget.WholeRun(runId) },
            [nameof(ClearDialog.OnlyFailedFirst)] = onlyFailed,
        });

    /// <param name="state">The state offered first; the dialog lets the person pick success, failed or skipped.</param>
    public Task<bool> MarkAsync(string dagId, IReadOnlyList<TaskTarget> targets, TaskInstanceState state, bool pastAndFutureAvailable, string subject) =>
        OpenAsync<MarkDialog>($"Mark {subject} as…", new DialogParameters
        {
            [nameof(MarkDialog.DagId)] = dagId,
            [nameof(MarkDialog.Targets)] = targets,
            [nameof(MarkDialog.InitialState)] = state,
            [nameof(MarkDialog.PastAndFutureAvailable)] = pastAndFutureAvailable,
        });

    /// <param name="state">The state offered first; the dialog lets the person pick success, failed, queued or running.</param>
    public Task<bool> MarkRunAsync(string dagId, string runId, DagRunState state) =>
        OpenAsync<MarkRunDialog>($"Mark run {runId} as…", new DialogParameters
        {
            [nameof(MarkRunDialog.DagId)] = dagId,
            [nameof(MarkRunDialog.RunId)] = runId,
            [nameof(MarkRunDialog.InitialState)] = state,
        });

    private async Task<bool> OpenAsync<TDialog>(string title, DialogParameters parameters) where TDialog : Microsoft.AspNetCore.Components.ComponentBase
    {
        var dialog = await dialogs.ShowAsync<TDialog>(title, parameters, Options);
        return await dialog.Result is { Canceled: false, Data: true };
    }
}
