using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Trigger;
using Dashboard.Core.Queries;
using Dashboard.Core.Security;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Web.Components.Dialogs;

/// <summary>
/// The trigger form. It starts from the DAG's param defaults and, for a periodic schedule, the
/// latest complete interval's logical date (so "run the latest month now" is one click); every
/// problem with the conf comes from the trigger's own validation, shown on the field it is about.
/// </summary>
public sealed partial class TriggerDialog
{
    private ConfDraft? _draft;
    private DateTimeOffset? _defaultDate;
    private DateOnly? _date;
    private TimeSpan? _time;
    private string? _error;
    private bool _busy;

    // As in Airflow 3's trigger form: on by default, since a run of a paused DAG does not start.
    private bool _unpause = true;

    [Inject]
    private DagTriggerService TriggerService { get; set; } = null!;

    [Inject]
    private UiActions Actions { get; set; } = null!;

    [Inject]
    private CurrentOperator Operator { get; set; } = null!;

    [CascadingParameter]
    private IMudDialogInstance Dialog { get; set; } = null!;

    [Parameter, EditorRequired]
    public DagHeader Dag { get; set; } = null!;

    /// <summary>Opens the form for <paramref name="dag"/>; the new run's id, or null when the person cancelled.</summary>
    public static async Task<string?> ShowAsync(IDialogService dialogs, DagHeader dag)
    {
        var dialog = await dialogs.ShowAsync<TriggerDialog>($"Trigger {dag.DagId}",
            new DialogParameters<TriggerDialog> { { d => d.Dag, dag } },
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseButton = true });
        return await dialog.Result is { Canceled: false, Data: string runId } ? runId : null;
    }

    protected override async Task OnInitializedAsync()
    {
        var defaults = await TriggerService.DefaultsAsync(Dag.DagId);
        _draft = new ConfDraft(defaults?.Params ?? DagParams.None);
        if (defaults?.LogicalDate is { } date)
        {
            _defaultDate = date;
            _date = DateOnly.FromDateTime(date.UtcDateTime);
            _time = date.UtcDateTime.TimeOfDay;
        }
    }

    private DateTimeOffset? LogicalDate => _date is { } date
        ? new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + (_time ?? TimeSpan.Zero)
        : null;

    private string DateHint => _defaultDate is { } latest
        ? $"Set to the latest complete interval, {latest.UtcDateTime:yyyy-MM-dd HH:mm} UTC. Cleared, the run has no data interval, so {{{{ ds }}}} and friends are unavailable to its tasks."
        : "Without a logical date the run has no data interval, so {{ ds }} and friends are unavailable to its tasks.";

    private void SwitchConf(bool raw) => _error = _draft!.SwitchTo(raw);

    private async Task TriggerAsync()
    {
        _busy = true;
        _error = null;
        try
        {
            var run = await TriggerService.TriggerAsync(new TriggerRequest(
                Dag.DagId, LogicalDate, _draft!.Json, Operator.Actor, DagRunTriggeredBy.Ui, UnpauseDag: _unpause && Operator.Actor.Can(Permission.PauseDag)));
            Actions.Succeeded($"Trigger {Dag.DagId}", run.DagPaused
                ? $"{run.RunId} is queued; it starts when {Dag.DagId} is unpaused."
                : $"{run.RunId} is queued.");
            Dialog.Close(DialogResult.Ok(run.RunId));
        }
        catch (ConfRefusedException refused) when (!_draft!.Raw)
        {
            // Each problem goes under its field; nothing was created.
            _draft.ShowAll(refused.Problems);
            _error = "Nothing was triggered: the params marked in red do not fit the DAG's params.";
        }
        catch (OperationRefusedException refused)
        {
            // Shown in the dialog, next to what the person typed; nothing was created.
            _error = refused.Message;
        }
        finally
        {
            _busy = false;
        }
    }
}
