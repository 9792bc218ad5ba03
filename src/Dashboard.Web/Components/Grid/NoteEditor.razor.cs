using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Notes;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Grid;

/// <summary>
/// The editor keeps the note it started from, so a save can be refused when someone else saved
/// meanwhile (<see cref="SeenNote"/>); their note, once known, is shown next to the draft and a
/// second save replaces it knowingly. One request id per edit guards against a double click.
/// </summary>
public sealed partial class NoteEditor
{
    private bool _editing;
    private bool _saving;
    private string _draft = "";
    private SeenNote _seen = new(null);
    private string? _error;
    private string? _theirs;
    private Guid _requestId;
    private NoteTarget? _shownTarget;

    [Inject]
    private NoteService Notes { get; set; } = null!;

    [Inject]
    private CurrentOperator Operator { get; set; } = null!;

    [Inject]
    private UiActions Actions { get; set; } = null!;

    [Inject]
    private ILogger<NoteEditor> Logger { get; set; } = null!;

    /// <summary>The DAG's access_control list, cascaded by its page, so the edit button says who may change it.</summary>
    [CascadingParameter(Name = CurrentOperator.DagEditorsName)]
    private IReadOnlyList<string>? DagEditors { get; set; }

    /// <summary>The run or task instance the note is on.</summary>
    [Parameter, EditorRequired]
    public NoteTarget Target { get; set; } = null!;

    /// <summary>The note as last loaded; the panel reloads it on every change, so it follows other people's edits.</summary>
    [Parameter]
    public string? Note { get; set; }

    /// <summary>Called after a save, or a save refused because the note changed meanwhile, for the panel to load the stored note at once.</summary>
    [Parameter]
    public EventCallback OnSaved { get; set; }

    private bool HasNote => NoteText.Normalize(Note) is not null;

    private int Length => NoteText.Normalize(_draft)?.Length ?? 0;

    private bool TooLong => Length > NoteText.MaxLength;

    private string? Problem => NoteText.Problem(_draft);

    private bool Unchanged => NoteText.Normalize(_draft) == _seen.Text;

    /// <summary>The stored note moved on since the editor opened (a live reload brought someone else's save).</summary>
    private bool ChangedMeanwhile => NoteText.Normalize(Note) != _seen.Text;

    /// <summary>Someone else's note, shown while editing once it is known to differ from what the editor started from.</summary>
    private string? Theirs => ChangedMeanwhile ? Note ?? "" : _theirs;

    private bool CanSave => !_saving && Problem is null && (!Unchanged || ChangedMeanwhile);

    private string SaveTitle => Problem ?? (Unchanged && !ChangedMeanwhile ? "Nothing changed yet" : "Save the note");

    protected override void OnParametersSet()
    {
        // Another run or task instance in the same panel: an edit in progress was about the previous one.
        if (_shownTarget is not null && _shownTarget != Target)
        {
            _editing = false;
        }

        _shownTarget = Target;
    }

    private void Edit()
    {
        _seen = new SeenNote(NoteText.Normalize(Note));
        _draft = _seen.Text ?? "";
        _error = null;
        _theirs = null;
        _requestId = Guid.NewGuid();
        _editing = true;
    }

    private void DraftChanged(string? text)
    {
        _draft = text ?? "";
        _error = null;
    }

    private void Cancel() => _editing = false;

    private async Task SaveAsync()
    {
        if (!CanSave)
        {
            return;
        }

        _saving = true;
        try
        {
            // Someone else's note shown next to the draft has been seen: saving replaces it knowingly.
            var seen = ChangedMeanwhile ? new SeenNote(NoteText.Normalize(Note)) : _seen;
            var result = await Notes.SetAsync(new SetNoteRequest(Target, _draft, Operator.Actor, seen, _requestId));
            _editing = false;
            Actions.Succeeded(result.Note is null ? "Note removed" : "Note saved", $"On {Target}.");
            await OnSaved.InvokeAsync();
        }
        catch (NoteChangedException changed)
        {
            // Their note is what the person now sees above the draft; a second Save replaces it knowingly.
            _seen = new SeenNote(changed.Current);
            _theirs = changed.Current ?? "";
            _error = changed.Message;
            await OnSaved.InvokeAsync();
        }
        catch (OperationRefusedException refused)
        {
            _error = refused.Message;
        }
        catch (Exception e)
        {
            Logger.LogError(e, "Saving the note on {Target} failed", Target);
            _error = "Saving the note failed unexpectedly; the error has been logged.";
        }
        finally
        {
            _saving = false;
        }
    }
}
