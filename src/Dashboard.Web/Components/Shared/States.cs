using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;

namespace Dashboard.Web.Components.Shared;

/// <summary>How states are named and coloured everywhere (Airflow's names; colours in app.css as <c>state-*</c>).</summary>
public static class States
{
    public static string Name(TaskInstanceState? state) => state is { } s ? SnakeCase.ToSnakeCase(s) : "none";

    public static string Name(DagRunState state) => SnakeCase.ToSnakeCase(state);

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

    /// <summary>The grid with the run's panel open. Run ids hold ':' and '+'; links carry them escaped.</summary>
    public static string RunLink(string dagId, string runId) => $"dags/{Uri.EscapeDataString(dagId)}/grid?run={Uri.EscapeDataString(runId)}";

    public static string LogLink(string dagId, string runId, string taskId, int? tryNumber = null) =>
        $"dags/{Uri.EscapeDataString(dagId)}/runs/{Uri.EscapeDataString(runId)}/tasks/{Uri.EscapeDataString(taskId)}"
        + (tryNumber is { } t ? $"?try={t}" : "");
}
