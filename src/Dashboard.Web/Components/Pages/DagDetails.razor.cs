using Dashboard.Core.Dags;
using Dashboard.Core.Queries;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Pages;

/// <summary>
/// The Details tab: a DAG's settings, params and current version, and under them one run's details,
/// picked from its latest runs or given as <c>?run=</c>. Read-only; live through a <see cref="LiveView"/>.
/// </summary>
public sealed partial class DagDetails
{
    [CascadingParameter]
    private TimeDisplay Times { get; set; } = TimeDisplay.Utc;

    private DagHeader? _header;
    private DagSettings? _dag;
    private IReadOnlyList<RunChoice> _runs = [];
    private RunDetails? _run;
    private bool _loaded;
    private LiveView _live = null!;

    [Parameter]
    public string DagId { get; set; } = "";

    /// <summary>The run whose details are shown under the DAG's; the newest when absent.</summary>
    [SupplyParameterFromQuery(Name = "run")]
    public string? Run { get; set; }

    protected override void OnInitialized() => _live = Live.Create(InvokeAsync, LoadAsync, StateHasChanged);

    protected override async Task OnParametersSetAsync()
    {
        if (RendererInfo.IsInteractive)
        {
            _live.Follow(DagId);
        }

        await _live.ReloadAsync();
    }

    private async Task LoadAsync()
    {
        var header = await Dags.HeaderAsync(DagId);
        var dag = header is null ? null : await Details.DagAsync(DagId);
        var runs = dag is null ? [] : await Details.RecentRunsAsync(DagId);
        var runId = Run ?? runs.FirstOrDefault()?.RunId;
        var run = dag is null || runId is null ? null : await Details.RunAsync(DagId, runId);
        (_header, _dag, _runs, _run, _loaded) = (header, dag, runs, run, true);
    }

    private IReadOnlyList<ToolbarOption> RunOptions(string zone) =>
        [.. _runs.Select(choice => new ToolbarOption(choice.RunId, $"{Times.Minute(choice.Date, zone)} · {choice.RunId} ({States.Name(choice.State)})"))];

    private void ShowRun(string? runId) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("run", string.IsNullOrEmpty(runId) ? null : runId));

    private static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>"1" when every task agrees, "0 to 3" when they differ.</summary>
    private static string Spread(IEnumerable<int> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? "no task" : list.Min() == list.Max() ? $"{list[0]}" : $"{list.Min()} to {list.Max()} (by task)";
    }

    private static string Constraints(ParamSpec spec)
    {
        var parts = new List<string>();
        if (spec.Required) { parts.Add("required"); }
        if (spec.Enum is { } values) { parts.Add($"one of {string.Join(", ", values.Select(ParamSpec.Show))}"); }
        if (spec.Minimum is { } min) { parts.Add($"≥ {ParamSpec.Show(min)}"); }
        if (spec.Maximum is { } max) { parts.Add($"≤ {ParamSpec.Show(max)}"); }
        if (spec.MinLength is { } minLength) { parts.Add($"at least {minLength} characters"); }
        if (spec.MaxLength is { } maxLength) { parts.Add($"at most {maxLength} characters"); }
        if (spec.Pattern is { } pattern) { parts.Add($"matches {pattern}"); }
        if (spec.Format is { } format) { parts.Add($"format {ParamSpec.FormatName(format)}"); }
        return string.Join("; ", parts);
    }

    public void Dispose() => _live.Dispose();
}
