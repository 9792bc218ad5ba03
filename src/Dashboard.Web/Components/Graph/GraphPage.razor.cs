using System.Globalization;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Queries;
using Dashboard.Core.Queries.Graph;
using Dashboard.Core.Queries.Grid;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Dashboard.Web.Components.Graph;

/// <summary>
/// The Graph view: the tasks of the selected run's DAG version (the current version when there is
/// no run) as nodes, their dependencies as edges, coloured by the run's states. The layout comes
/// from <see cref="GraphLayoutCache"/>, computed once per version and set of collapsed groups; a
/// <see cref="LiveView"/> re-reads the states when the DAG changes, which re-colours the nodes
/// without laying anything out again. Pan and zoom live in the browser (graph.js).
/// </summary>
public sealed partial class GraphPage
{
    private DagHeader? _dag;
    private GraphSnapshot? _snapshot;
    private GraphLayout? _layout;
    private bool _loaded;
    private int _panelVersion;
    private GraphDirection _direction = GraphDirection.LeftToRight;

    /// <summary>The collapsed groups drawn: those in the URL, or the version's default until someone opens or closes one.</summary>
    private HashSet<string> _collapsed = [];

    /// <summary>
    /// The default collapsed groups, worked out once per version: a large DAG's groups all collapsed,
    /// less those around the task of a pasted link. Kept, so opening another task does not fold them again.
    /// </summary>
    private (int VersionId, HashSet<string> Groups)? _defaultCollapsed;

    /// <summary>The node to centre once the layout the URL asked for is drawn (a found task, a toggled group).</summary>
    private string? _pendingFocus;

    private string? _findText;
    private string? _found;
    private string? _findMessage;

    /// <summary>What the browser should do once the next render is on screen: fit the drawing, or centre a node.</summary>
    private (bool Pending, string? Focus) _afterRender;

    private LiveView _live = null!;
    private ElementReference _canvas;
    private bool _attaching;
    private IJSObjectReference? _module;
    private IJSObjectReference? _listeners;
    private DotNetObjectReference<GraphPage>? _self;

    [CascadingParameter]
    private TimeDisplay Times { get; set; } = TimeDisplay.Utc;

    [Parameter]
    public string DagId { get; set; } = "";

    /// <summary>The run whose states colour the graph; the newest when absent.</summary>
    [SupplyParameterFromQuery(Name = "run")]
    public string? RunParameter { get; set; }

    /// <summary>The task whose panel is open.</summary>
    [SupplyParameterFromQuery(Name = "task")]
    public string? TaskParameter { get; set; }

    /// <summary>
    /// The open (expanded) groups, comma-separated: "" for none, "*" for all; the version's default
    /// when absent. Open rather than collapsed, so a large DAG's link names the few groups someone opened.
    /// </summary>
    [SupplyParameterFromQuery(Name = "open")]
    public string? OpenParameter { get; set; }

    private const string AllOpen = "*";

    /// <summary>"top-to-bottom"; left to right when absent.</summary>
    [SupplyParameterFromQuery(Name = "direction")]
    public string? DirectionParameter { get; set; }

    private const string TopToBottom = "top-to-bottom";

    private string ViewBox => _layout is null ? "0 0 100 100" : $"{N(-20)} {N(-20)} {N(_layout.Width + 40)} {N(_layout.Height + 40)}";

    protected override void OnInitialized() => _live = Live.Create(InvokeAsync, LoadAsync, StateHasChanged);

    protected override async Task OnParametersSetAsync()
    {
        if (RendererInfo.IsInteractive)
        {
            _live.Follow(DagId);
        }

        await _live.ReloadAsync();
    }

    /// <summary>Reads the DAG, the run and its states as the URL asks; lays out only when the version or the groups changed.</summary>
    private async Task LoadAsync()
    {
        var dag = await Dags.HeaderAsync(DagId);
        var snapshot = dag is null ? null : await Graph.LoadAsync(DagId, RunParameter);
        (_dag, _snapshot, _loaded) = (dag, snapshot, true);
        var focus = _pendingFocus;
        _pendingFocus = null;
        await LayOutAsync(focus);
    }

    private async Task LayOutAsync(string? focus)
    {
        if (_snapshot?.Version is not { } version)
        {
            _layout = null;
            return;
        }

        _direction = DirectionParameter == TopToBottom ? GraphDirection.TopToBottom : GraphDirection.LeftToRight;
        _collapsed = OpenParameter switch
        {
            null => DefaultCollapsed(version),
            AllOpen => [],
            var open => [.. GraphLayouter.GroupIds(version).Except(open.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
        };
        var layout = await Layouts.GetAsync(version, _collapsed, _direction);
        if (!ReferenceEquals(layout, _layout))
        {
            var first = _layout is null;
            _layout = layout;
            _afterRender = (true, first ? TaskParameter : focus);
        }
    }

    private HashSet<string> DefaultCollapsed(DagVersionModel version)
    {
        if (_defaultCollapsed?.VersionId != version.VersionId)
        {
            var groups = GraphLayouter.DefaultCollapsed(version).ToHashSet();
            if (TaskParameter is { } task && version.Task(task) is { } shown)
            {
                // A pasted link to a task opens with that task in view, not inside a collapsed group.
                groups.ExceptWith(GraphLayouter.Prefixes(shown.GroupId));
            }

            _defaultCollapsed = (version.VersionId, groups);
        }

        return _defaultCollapsed.Value.Groups;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!_attaching && _layout is not null)
        {
            // Renders follow each other quickly at start; the flag is set before the first await so only one attaches.
            _attaching = true;
            _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/graph.js");
            _self = DotNetObjectReference.Create(this);
            _listeners = await _module.InvokeAsync<IJSObjectReference>("attach", _canvas, _self);
            // Flips data-ready, which tells automation that clicks and keys now reach the graph.
            StateHasChanged();
        }
        else if (_listeners is not null && _afterRender.Pending)
        {
            var focus = _afterRender.Focus;
            _afterRender = default;
            await _listeners.InvokeVoidAsync("shown", focus);
        }
    }

    private GroupState StateOf(GraphNode node)
    {
        var state = new GroupState();
        if (_snapshot is { Run: not null } snapshot)
        {
            foreach (var task in node.Tasks)
            {
                if (snapshot.States.TryGetValue(task, out var taskState))
                {
                    state.Add(GridCell.Of(taskState));
                }
            }
        }

        return state;
    }

    /// <summary>An expanded group's box is tinted by the most urgent state inside it, as a collapsed group's node is coloured.</summary>
    private TaskInstanceState? GroupStateOf(string groupId)
    {
        if (_snapshot?.Version is not { } version || _snapshot.Run is null)
        {
            return null;
        }

        var state = new GroupState();
        foreach (var task in version.TasksInGroup(groupId))
        {
            if (_snapshot.States.TryGetValue(task, out var taskState))
            {
                state.Add(GridCell.Of(taskState));
            }
        }

        return state.Exists ? state.State : null;
    }

    private string SubLabel(GraphNode node, GroupState state)
    {
        var what = node.IsGroup ? States.Count(node.Tasks.Count, "task") : node.Kind is { } kind ? UrlValues.Of(kind) : "task";
        return _snapshot?.Run is null ? what : $"{what} · {(state.Exists ? States.Label(state.State) : "no instance")}";
    }

    private string NodeLabel(GraphNode node, GroupState state)
    {
        var what = node.IsGroup ? $"Group {node.Id}, {States.Count(node.Tasks.Count, "task")}" : $"Task {node.Id}";
        var counts = node.IsGroup && state.Total > 0 ? $" ({string.Join(", ", state.Counts().Select(c => $"{c.Count} {States.Label(c.State)}"))})" : "";
        return _snapshot?.Run is null ? what : $"{what}: {(state.Exists ? States.Label(state.State) : "no instance")}{counts}";
    }

    /// <summary>The latest runs; a run from a link that is older than them shows in the select as its id.</summary>
    /// <summary>The newest runs, and first the run shown when it is older than them (opened from a link), labelled as they are.</summary>
    private IReadOnlyList<ToolbarOption> RunOptions()
    {
        if (_snapshot is not { Runs.Count: > 0 } snapshot)
        {
            return [new("", "no runs yet")];
        }

        var older = snapshot.Run is { } shown && snapshot.Runs.All(r => r.RunId != shown.RunId) ? [shown] : Array.Empty<GraphRun>();
        return [.. older.Concat(snapshot.Runs).Select(run => new ToolbarOption(run.RunId, RunLabel(run)))];
    }

    private string RunLabel(GraphRun run) => $"{Times.Date(run.Date, _dag?.Timezone)} · {run.RunId} · {States.Name(run.State)}";

    private static string N(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);

    private void SelectRun(string runId) => Navigate(string.IsNullOrEmpty(runId) ? null : runId, TaskParameter);

    private void ClosePanel() => Navigate(RunParameter, null);

    private void Navigate(string? run, string? task) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?> { ["run"] = run, ["task"] = task }));

    /// <summary>Puts the drawing's shape in the URL, so a link shows the same groups open and the same direction.</summary>
    private void NavigateShape(IEnumerable<string> collapsed, GraphDirection direction, string? focus)
    {
        _pendingFocus = focus;
        var open = _snapshot?.Version is { } version ? GraphLayouter.GroupIds(version).Except(collapsed).ToList() : [];
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["open"] = open.Count > 0 && !collapsed.Any() ? AllOpen : string.Join(',', open),
            ["direction"] = direction == GraphDirection.TopToBottom ? TopToBottom : null,
        }));
    }

    /// <summary>A click on a node, or Enter on a focused one: a task opens its panel in the selected run, a collapsed group opens.</summary>
    [JSInvokable]
    public void OpenNode(string nodeId)
    {
        if (_layout?.Nodes.FirstOrDefault(n => n.Id == nodeId) is not { } node)
        {
            return;
        }

        if (node.IsGroup)
        {
            ToggleGroup(nodeId);
            return;
        }

        // The run goes into the URL too, so the link opens the same run after newer ones arrive.
        if (_snapshot?.Run is { } run)
        {
            Navigate(run.RunId, nodeId);
        }
    }

    [JSInvokable]
    public void ToggleGroup(string groupId)
    {
        var collapsed = _collapsed.ToHashSet();
        if (!collapsed.Remove(groupId))
        {
            collapsed.Add(groupId);
        }

        SetCollapsed(collapsed, groupId);
    }

    private void SetCollapsed(IEnumerable<string> groups, string? focus) => NavigateShape(groups, _direction, focus);

    private void ToggleDirection() =>
        NavigateShape(_collapsed, _direction == GraphDirection.LeftToRight ? GraphDirection.TopToBottom : GraphDirection.LeftToRight, null);

    /// <summary>Finds a task by id (exactly, else the first containing the text), opens the groups around it, highlights and centres it.</summary>
    private void Find()
    {
        var text = _findText?.Trim();
        _findMessage = null;
        if (string.IsNullOrEmpty(text) || _snapshot?.Version is not { } version)
        {
            _found = null;
            return;
        }

        var task = version.Task(text)
                   ?? version.Tasks.FirstOrDefault(t => t.TaskId.Contains(text, StringComparison.OrdinalIgnoreCase));
        if (task is null)
        {
            _found = null;
            _findMessage = $"No task of this version matches “{text}”.";
            return;
        }

        _found = task.TaskId;
        var collapsed = _collapsed.ToHashSet();
        if (collapsed.RemoveWhere(GraphLayouter.Prefixes(task.GroupId).Contains) > 0)
        {
            SetCollapsed(collapsed, task.TaskId);
        }
        else
        {
            // The task is in view already: centre it without laying anything out again.
            _afterRender = (true, task.TaskId);
        }
    }

    private async Task ZoomAsync(double factor)
    {
        if (_listeners is not null)
        {
            await _listeners.InvokeVoidAsync("zoomBy", factor);
        }
    }

    private async Task FitAsync()
    {
        if (_listeners is not null)
        {
            await _listeners.InvokeVoidAsync("fit");
        }
    }

    /// <summary>Shows the result at once rather than waiting for the change notification (which follows and finds nothing new).</summary>
    private async Task AfterActionAsync()
    {
        await _live.ReloadAsync();
        _panelVersion++;
    }

    public async ValueTask DisposeAsync()
    {
        _live.Dispose();
        await BrowserModule.ReleaseAsync(_listeners, _module);

        _self?.Dispose();
    }
}
