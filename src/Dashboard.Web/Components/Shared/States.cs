using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;

namespace Dashboard.Web.Components.Shared;

/// <summary>How states are named and coloured everywhere (Airflow's names; colours in app.css as <c>state-*</c>).</summary>
public static class States
{
    public static string Name(TaskInstanceState? state) => state is { } s ? SnakeCase.ToSnakeCase(s) : "none";

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

    public static string Time(DateTimeOffset? value) => value?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss") ?? "";

    /// <summary>To the minute, for dates that fall on schedule boundaries (logical dates, next runs).</summary>
    public static string Minute(DateTimeOffset? value) => value?.UtcDateTime.ToString("yyyy-MM-dd HH:mm") ?? "";

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

    public static string LogLink(string dagId, string runId, string taskId, int? tryNumber = null) =>
        $"dags/{Uri.EscapeDataString(dagId)}/runs/{Uri.EscapeDataString(runId)}/tasks/{Uri.EscapeDataString(taskId)}"
        + (tryNumber is { } t ? $"?try={t}" : "");
}
