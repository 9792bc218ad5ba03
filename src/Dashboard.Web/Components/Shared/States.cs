using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;

namespace Dashboard.Web.Components.Shared;

/// <summary>How states are named and coloured everywhere (Airflow's names; colours in app.css as <c>state-*</c>).</summary>
public static class States
{
    /// <summary>The state as data attributes and URLs carry it: Airflow's name, "none" for no status.</summary>
    public static string Name(TaskInstanceState? state) => state is { } s ? SnakeCase.ToSnakeCase(s) : "none";

    /// <summary>The state as people read it, the one word used for it everywhere: Airflow's name, "no status" for none.</summary>
    public static string Label(TaskInstanceState? state) => state is { } s ? SnakeCase.ToSnakeCase(s) : "no status";

    /// <summary>"1 run", "3 runs": every count in the UI, never "run(s)".</summary>
    public static string Count(int count, string noun, string? plural = null) =>
        $"{count:N0} {(count == 1 ? noun : plural ?? noun + "s")}";

    public static string Name(DagRunState state) => SnakeCase.ToSnakeCase(state);

    public static string Name(DagRunType type) => SnakeCase.ToSnakeCase(type);

    public static string Name(DagRunTriggeredBy triggeredBy) => SnakeCase.ToSnakeCase(triggeredBy);

    public static string CssClass(TaskInstanceState? state) => $"state state-{Name(state)}";

    public static string CssClass(DagRunState state) => $"state state-{Name(state)}";

    public static string Duration(double? seconds) => seconds switch
    {
        null => "",
        < 60 => $"{seconds:0.#} s",
        < 3600 => $"{(int)(seconds / 60)} min {(int)(seconds % 60)} s",
        _ => $"{(int)(seconds / 3600)} h {(int)(seconds % 3600 / 60)} min",
    };

    /// <summary>"in 5 min", "3 h 10 min ago": how far a moment is from now, coarse enough to read at a glance.</summary>
    public static string Relative(DateTimeOffset at, DateTimeOffset now)
    {
        var span = at - now;
        var length = Span(span.Duration());
        return span > TimeSpan.Zero ? $"in {length}" : $"{length} ago";
    }

    public static string Span(TimeSpan span) => span switch
    {
        { TotalMinutes: < 1 } => $"{(int)span.TotalSeconds} s",
        { TotalHours: < 1 } => $"{(int)span.TotalMinutes} min",
        { TotalDays: < 1 } => span.Minutes == 0 ? $"{(int)span.TotalHours} h" : $"{(int)span.TotalHours} h {span.Minutes} min",
        _ => span.Hours == 0 ? $"{(int)span.TotalDays} d" : $"{(int)span.TotalDays} d {span.Hours} h",
    };

    /// <summary>The grid with the run's panel open. Run ids hold ':' and '+'; links carry them escaped.</summary>
    public static string RunLink(string dagId, string runId) => $"dags/{Uri.EscapeDataString(dagId)}/grid?run={Uri.EscapeDataString(runId)}";

    /// <summary>The grid with one task instance's panel open (or the run's, without a task; or just the grid, without a run).</summary>
    public static string CellLink(string dagId, string? runId, string? taskId)
    {
        var query = string.Join("&", new[] { ("run", runId), ("task", taskId) }
            .Where(p => p.Item2 is not null)
            .Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
        return $"dags/{Uri.EscapeDataString(dagId)}/grid" + (query.Length == 0 ? "" : "?" + query);
    }

    /// <summary>The whole log of one try as a text file.</summary>
    public static string LogDownloadLink(string dagId, string runId, string taskId, int? tryNumber) =>
        $"dags/{Uri.EscapeDataString(dagId)}/runs/{Uri.EscapeDataString(runId)}/tasks/{Uri.EscapeDataString(taskId)}/log.txt"
        + (tryNumber is { } t ? $"?try={t}" : "");

    public static string LogLink(string dagId, string runId, string taskId, int? tryNumber = null) =>
        $"dags/{Uri.EscapeDataString(dagId)}/runs/{Uri.EscapeDataString(runId)}/tasks/{Uri.EscapeDataString(taskId)}"
        + (tryNumber is { } t ? $"?try={t}" : "");
}
