using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Core.Queries.Grid;
using Microsoft.AspNetCore.WebUtilities;

namespace Dashboard.Web.Components.Grid;

/// <summary>
/// Everything that decides what the grid shows, as it appears in the URL, so a pasted link
/// reproduces the view: the run window and filters, and the open panel.
/// </summary>
/// <param name="TaskState">Show only task rows with a cell in this state: a state's name, "none", or <see cref="NeedsAttention"/>.</param>
/// <param name="TaskText">Show only tasks whose id or group holds this text.</param>
public sealed record GridView(
    int Runs = GridView.DefaultRuns,
    int Offset = 0,
    DagRunType? RunType = null,
    DagRunState? RunState = null,
    string? TaskState = null,
    string? TaskText = null,
    string? TaskId = null,
    string? RunId = null)
{
    public const int DefaultRuns = 25;

    /// <summary>The task-state filter for failed, upstream_failed and up_for_retry: what needs a person.</summary>
    public const string NeedsAttention = "needs_attention";

    /// <summary>Filter text longer than this is cut: a task id is never this long.</summary>
    public const int MaxTaskText = 250;

    public static readonly GridView Default = new();

    /// <summary>Every value of the task-state filter, as the URL and the toolbar name it.</summary>
    public static readonly IReadOnlyList<string> TaskStates =
        [NeedsAttention, .. GroupState.Priority.Select(state => Shared.States.Name(state))];

    /// <summary>URL values that were not understood and were replaced by the default, in words.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    public bool HasPanel => RunId is not null;

    public bool IsFiltered => RunType is not null || RunState is not null || Offset > 0;

    /// <summary>Some task rows may be hidden by the task filters.</summary>
    public bool FiltersTasks => TaskState is not null || TaskText is not null;

    public GridRequest Request(string dagId) => new(dagId, Runs, Offset, RunType, RunState);

    /// <summary>How the layout filters rows for this view.</summary>
    public GridLayoutOptions LayoutOptions(IReadOnlySet<string> collapsed) => new(collapsed, TaskState switch
    {
        null => null,
        NeedsAttention => GridLayout.NeedsAttention,
        "none" => new HashSet<TaskInstanceState?> { null },
        var name => new HashSet<TaskInstanceState?> { SnakeCase.ParseSnakeCase<TaskInstanceState>(name) },
    }, TaskText);

    /// <summary>Reads the query-string values; anything unknown falls back to its default and is reported, never thrown.</summary>
    /// <param name="failed">The old "failed only" switch (<c>failed=true</c>), kept so old links still work: the needs-attention filter.</param>
    public static GridView Parse(
        string? runs, string? offset, string? runType, string? runState, string? taskState, string? failed, string? text, string? task, string? run)
    {
        var problems = new List<string>();
        var view = new GridView(
            Runs: ParseRuns(runs, problems),
            Offset: ParseOffset(offset, problems),
            RunType: ParseEnum<DagRunType>(runType, "run type", problems),
            RunState: ParseEnum<DagRunState>(runState, "run state", problems),
            TaskState: ParseTaskState(taskState, problems) ?? (failed is "true" or "1" ? NeedsAttention : null),
            TaskText: string.IsNullOrWhiteSpace(text) ? null : text.Trim()[..Math.Min(text.Trim().Length, MaxTaskText)],
            TaskId: string.IsNullOrEmpty(task) ? null : task,
            RunId: string.IsNullOrEmpty(run) ? null : run);
        return view with { Problems = problems, TaskId = view.RunId is null ? null : view.TaskId };
    }

    private static string? ParseTaskState(string? value, List<string> problems)
    {
        if (string.IsNullOrEmpty(value) || TaskStates.Contains(value))
        {
            return string.IsNullOrEmpty(value) ? null : value;
        }

        problems.Add($"“{value}” is not a task state to filter by (expected one of {string.Join(", ", TaskStates)}); showing every task.");
        return null;
    }

    /// <summary>The grid's URL for this view, with only the values that differ from the defaults.</summary>
    public static string Link(string dagId, GridView view)
    {
        var query = new Dictionary<string, string?>();
        if (view.Runs != DefaultRuns)
        {
            query["runs"] = view.Runs.ToString();
        }

        if (view.Offset > 0)
        {
            query["offset"] = view.Offset.ToString();
        }

        if (view.RunType is { } type)
        {
            query["run_type"] = SnakeCase.ToSnakeCase(type);
        }

        if (view.RunState is { } state)
        {
            query["run_state"] = SnakeCase.ToSnakeCase(state);
        }

        if (view.TaskState is { } taskState)
        {
            query["task_state"] = taskState;
        }

        if (view.TaskText is { } text)
        {
            query["q"] = text;
        }

        if (view.RunId is { } run)
        {
            query["run"] = run;
            if (view.TaskId is { } task)
            {
                query["task"] = task;
            }
        }

        return QueryHelpers.AddQueryString($"dags/{Uri.EscapeDataString(dagId)}/grid", query);
    }

    private static int ParseRuns(string? value, List<string> problems)
    {
        if (value is null)
        {
            return DefaultRuns;
        }

        if (int.TryParse(value, out var runs) && GridRequest.RunCounts.Contains(runs))
        {
            return runs;
        }

        problems.Add($"“{value}” is not a number of runs the grid shows ({string.Join(", ", GridRequest.RunCounts)}); showing {DefaultRuns}.");
        return DefaultRuns;
    }

    private static int ParseOffset(string? value, List<string> problems)
    {
        if (value is null)
        {
            return 0;
        }

        if (int.TryParse(value, out var offset) && offset >= 0)
        {
            return offset;
        }

        problems.Add($"“{value}” is not a run offset; showing the latest runs.");
        return 0;
    }

    private static T? ParseEnum<T>(string? value, string what, List<string> problems)
        where T : struct, Enum
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (SnakeCase.TryParseSnakeCase<T>(value, out var parsed))
        {
            return parsed;
        }

        problems.Add($"“{value}” is not a {what} (expected one of {string.Join(", ", SnakeCase.NamesOf<T>())}); showing all.");
        return null;
    }
}
