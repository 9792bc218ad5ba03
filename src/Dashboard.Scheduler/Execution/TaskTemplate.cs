using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dashboard.Core.Connections;

namespace Dashboard.Scheduler.Execution;

/// <summary>What a try's command is rendered with (Airflow's template context, the subset bash tasks need).</summary>
public sealed record TemplateContext(
    string DagId,
    string TaskId,
    string RunId,
    int TryNumber,
    DateTimeOffset? LogicalDate,
    DateTimeOffset? DataIntervalStart,
    DateTimeOffset? DataIntervalEnd,
    JsonObject Params)
{
    /// <summary>The connections and variables the templates name (<see cref="TaskTemplate.References"/>), as loaded for this try.</summary>
    public TryConfig Config { get; init; } = TryConfig.Empty;
}

/// <summary>
/// Renders <c>{{ name }}</c> placeholders: the run's dates and ids, <c>params.NAME</c>, and
/// Airflow's <c>conn.ID.FIELD</c>, <c>conn.ID.extra_dejson.KEY</c>, <c>var.value.KEY</c> and
/// <c>var.json.KEY.PATH</c>. An unknown name, or a date a run does not have, is an error that names
/// it: an empty string would let a command run against the wrong data.
/// </summary>
public static partial class TaskTemplate
{
    /// <summary>The connection ids and variable keys <paramref name="templates"/> name, to load before rendering.</summary>
    public static (IReadOnlyCollection<string> ConnIds, IReadOnlyCollection<string> VariableKeys) References(IEnumerable<string> templates)
    {
        var connIds = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in templates.SelectMany(t => Placeholder().Matches(t)).Select(m => m.Groups[1].Value.Split('.')))
        {
            if (name is ["conn", var id, ..])
            {
                connIds.Add(id);
            }
            else if (name is ["var", "value" or "json", var key, ..])
            {
                keys.Add(key);
            }
        }

        return (connIds, keys);
    }

    public static TemplateResult Render(string command, TemplateContext context)
    {
        var variables = Variables(context);
        var errors = new List<string>();
        var rendered = Placeholder().Replace(command, match =>
        {
            var name = match.Groups[1].Value;
            if (name.StartsWith("conn.", StringComparison.Ordinal) || name.StartsWith("var.", StringComparison.Ordinal))
            {
                var (configValue, problem) = TemplateConfigValue.Read(name, context.Config);
                if (problem is not null)
                {
                    errors.Add(problem);
                    return match.Value;
                }

                return configValue!;
            }

            if (variables.TryGetValue(name, out var value) && value is not null)
            {
                return value;
            }

            errors.Add(variables.ContainsKey(name)
                ? $"{{{{ {name} }}}} needs a logical date; run {context.RunId} has none: trigger it with a logical date"
                : name.StartsWith("params.", StringComparison.Ordinal)
                    ? $"unknown parameter '{name["params.".Length..]}'; the DAG's params are: {string.Join(", ", context.Params.Select(p => p.Key).DefaultIfEmpty("(none)"))}"
                    : $"unknown template variable '{name}'; available: {string.Join(", ", variables.Keys.Where(k => !k.StartsWith("params.", StringComparison.Ordinal)))}, params.NAME, conn.ID.FIELD, var.value.KEY, var.json.KEY");
            return match.Value;
        });
        return new TemplateResult(rendered, errors.Distinct().ToList());
    }

    /// <summary>The same values as environment variables (DS, RUN_ID, PARAMS_CITY, ...); unavailable dates are left out.</summary>
    public static Dictionary<string, string> EnvironmentVariables(TemplateContext context) =>
        Variables(context)
            .Where(v => v.Value is not null)
            .ToDictionary(v => v.Key.Replace('.', '_').ToUpperInvariant() switch
            {
                "DAG_DAG_ID" => "DAG_ID",
                "TASK_TASK_ID" => "TASK_ID",
                var name => name,
            }, v => v.Value!);

    private static Dictionary<string, string?> Variables(TemplateContext context)
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["ds"] = context.LogicalDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["ds_nodash"] = context.LogicalDate?.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
            ["ts"] = Iso(context.LogicalDate),
            ["ts_nodash"] = context.LogicalDate?.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture),
            ["logical_date"] = Iso(context.LogicalDate),
            ["data_interval_start"] = Iso(context.DataIntervalStart),
            ["data_interval_end"] = Iso(context.DataIntervalEnd),
            ["run_id"] = context.RunId,
            ["dag.dag_id"] = context.DagId,
            ["task.task_id"] = context.TaskId,
            ["try_number"] = context.TryNumber.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in context.Params)
        {
            variables[$"params.{name}"] = value switch
            {
                null => "",
                JsonValue scalar when scalar.GetValueKind() == JsonValueKind.String => scalar.GetValue<string>(),
                _ => value.ToJsonString(),
            };
        }

        return variables;
    }

    private static string? Iso(DateTimeOffset? value) =>
        value?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")]
    private static partial Regex Placeholder();
}

public sealed record TemplateResult(string Command, IReadOnlyList<string> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}
