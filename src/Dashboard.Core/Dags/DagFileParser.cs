using System.Text;
using System.Text.RegularExpressions;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Core.Domain.Timetables;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dashboard.Core.Dags;

/// <summary>
/// Turns one DAG file (YAML) into a validated <see cref="DagDefinition"/>, or into the complete list
/// of what is wrong with it, each problem with its line.
/// </summary>
public static partial class DagFileParser
{
    private static readonly string[] DefaultArgKeys =
        ["retries", "retry_delay", "execution_timeout", "depends_on_past", "wait_for_downstream", "trigger_rule"];

    private static readonly string[] DagKeys =
    [
        "dag_id", "description", "schedule", "timezone", "start_date", "end_date", "catchup", "max_active_runs",
        "max_active_tasks", "tags", "params", "default_args", "tasks", "access_control", "notifications", "deadline",
        "max_consecutive_failed_dag_runs",
    ];

    // Before TaskKeys, which they are part of: static fields initialise in order.
    private static readonly string[] SensorKeys =
    [
        "external_dag_id", "external_task_id", "execution_delta", "allowed_states", "failed_states", "skipped_states",
        "poke_interval", "timeout", "soft_fail",
    ];

    private static readonly string[] TriggerKeys =
    [
        "trigger_dag_id", "conf", "logical_date", "wait_for_completion", "poke_interval", "allowed_states", "failed_states", "reset_dag_run",
    ];

    private static readonly string[] CrossDagKeys = [.. SensorKeys.Union(TriggerKeys)];

    private static readonly string[] TaskKeys = ["id", "kind", "command", "upstream", "group", "env", .. DefaultArgKeys, .. CrossDagKeys];

    /// <summary>Problems reported per file; past these the rest are counted in one line.</summary>
    private const int MaxReportedErrors = 100;

    /// <summary>Characters of one message: a message quotes the file, and the file may be hostile.</summary>
    private const int MaxMessageLength = 500;

    /// <summary>The characters of a task id, a group or a dag_id.</summary>
    private const int MaxNameLength = 250;

    public static DagParseResult Parse(string yaml) => Parse(yaml, DagFileLimits.Default);

    public static DagParseResult Parse(string yaml, DagFileLimits limits)
    {
        if (yaml.IndexOf('\0', StringComparison.Ordinal) is var nul and >= 0)
        {
            return Failed(new DagFileError(yaml.AsSpan(0, nul).Count('\n') + 1, "the file holds a NUL byte, which a DAG file cannot hold; is it a YAML file saved as UTF-8?"));
        }

        if (Encoding.UTF8.GetByteCount(yaml) is var size && size > limits.MaxFileBytes)
        {
            return Failed(new DagFileError(null, TooLarge(size, limits.MaxFileBytes)));
        }

        var errors = new List<DagFileError>();
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new LimitedYamlParser(new Parser(new StringReader(yaml)), limits));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
            {
                return Failed(new DagFileError(1, "a DAG file must be a mapping with dag_id, schedule and tasks"));
            }

            root = mapping;
        }
        catch (DagFileLimitException e)
        {
            return Failed(new DagFileError((int)e.Start.Line, e.Problem));
        }
        catch (YamlException e)
        {
            return Failed(new DagFileError((int)e.Start.Line, $"not valid YAML: {e.InnerException?.Message ?? e.Message}"));
        }

        return Read(root, errors, limits);
    }

    /// <summary>The message for a file over <see cref="DagFileLimits.MaxFileBytes"/>.</summary>
    public static string TooLarge(long size, int limit) =>
        $"the file is {size:N0} bytes, more than {limit:N0} (the limit is the setting Dags:{nameof(DagFileLimits.MaxFileBytes)}); it is not read";

    private static DagParseResult Read(YamlMappingNode root, List<DagFileError> errors, DagFileLimits limits)
    {
        var fields = new YamlFields(errors, limits);
        fields.RejectUnknownKeys(root, DagKeys, "the DAG");

        var dagId = fields.String(root, "dag_id", "the DAG", required: true);
        if (dagId is not null && !IdPattern().IsMatch(dagId))
        {
            fields.Error(YamlFields.Find(root, "dag_id")!, $"dag_id '{dagId}' may only hold letters, digits, '_', '-' and '.'");
        }

        var timezone = fields.String(root, "timezone", "the DAG") ?? "UTC";
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timezone, out var zone))
        {
            fields.Error(YamlFields.Find(root, "timezone")!, $"unknown time zone '{timezone}'; use an IANA name such as Europe/Berlin");
            zone = TimeZoneInfo.Utc;
        }

        var schedule = ReadSchedule(root, fields);
        var startDate = fields.Date(root, "start_date", "the DAG", zone);
        var endDate = fields.Date(root, "end_date", "the DAG", zone);
        if (schedule is not null && startDate is null && YamlFields.Find(root, "start_date") is null)
        {
            fields.Error(root, "a scheduled DAG needs 'start_date'");
        }

        if (startDate is not null && endDate is not null && endDate < startDate)
        {
            fields.Error(YamlFields.Find(root, "end_date")!, $"end_date {TimeZoneInfo.ConvertTime(endDate.Value, zone):yyyy-MM-dd} is before start_date {TimeZoneInfo.ConvertTime(startDate.Value, zone):yyyy-MM-dd}");
        }

        var defaults = ReadTaskSettings(fields.Mapping(root, "default_args", "the DAG"), TaskSettings.Airflow, fields, "default_args");
        var tasks = ReadTasks(root, defaults, fields);
        var dagParams = ParamsReader.Read(root, fields);
        var description = fields.String(root, "description", "the DAG");
        fields.CheckLength(root, "description", description, "'description'", limits.MaxDescriptionLength, nameof(limits.MaxDescriptionLength));

        var dag = new DagDefinition(
            DagId: dagId ?? "",
            Description: description,
            Schedule: schedule,
            Timezone: timezone,
            StartDate: startDate,
            EndDate: endDate,
            Catchup: fields.Bool(root, "catchup", "the DAG") ?? false,
            MaxActiveRuns: fields.Int(root, "max_active_runs", "the DAG", min: 1) ?? 16,
            MaxActiveTasks: fields.Int(root, "max_active_tasks", "the DAG", min: 1) ?? 16,
            Tags: ReadTags(root, fields),
            Params: dagParams,
            Tasks: tasks)
        {
            EditAccess = ReadAccessControl(root, fields),
            Notifications = ReadNotifications(root, fields),
            Deadline = ReadDeadline(root, fields),
            MaxConsecutiveFailedDagRuns = fields.Int(root, "max_consecutive_failed_dag_runs", "the DAG", min: 0),
        };

        return errors.Count == 0 ? new DagParseResult(dag, []) : new DagParseResult(null, Reported(errors));
    }

    /// <summary>In line order, each message cut to a readable length, and at most <see cref="MaxReportedErrors"/> of them.</summary>
    private static List<DagFileError> Reported(List<DagFileError> errors)
    {
        var reported = errors.OrderBy(e => e.Line)
            .Take(MaxReportedErrors)
            .Select(e => e.Message.Length <= MaxMessageLength ? e : e with { Message = e.Message[..(MaxMessageLength - 1)] + "…" })
            .ToList();
        if (errors.Count > MaxReportedErrors)
        {
            reported.Add(new DagFileError(errors.Max(e => e.Line), $"and {errors.Count - MaxReportedErrors:N0} more problems"));
        }

        return reported;
    }

    private static List<string> ReadTags(YamlMappingNode root, YamlFields fields)
    {
        var tags = fields.StringList(root, "tags", "the DAG") ?? [];
        var limits = fields.Limits;
        if (tags.Count > limits.MaxTags)
        {
            fields.Error(YamlFields.Find(root, "tags")!, $"the DAG has {tags.Count:N0} tags, more than {limits.MaxTags:N0} (the limit is the setting Dags:{nameof(limits.MaxTags)})");
        }

        foreach (var (tag, node) in tags.Where(t => t.Value.Length > limits.MaxTagLength))
        {
            fields.Error(node, $"a tag is {tag.Length:N0} characters long, more than {limits.MaxTagLength:N0} (the limit is the setting Dags:{nameof(limits.MaxTagLength)})");
        }

        return tags.Select(t => t.Value).ToList();
    }

    private static DagParseResult Failed(DagFileError error) => new(null, [error]);

    /// <summary>The timetable itself judges the schedule, so the parser and the scheduler never disagree on what is valid.</summary>
    private static string? ReadSchedule(YamlMappingNode root, YamlFields fields)
    {
        var schedule = fields.String(root, "schedule", "the DAG");
        try
        {
            Timetable.For(schedule, "UTC");
        }
        catch (ArgumentException e)
        {
            fields.Error(YamlFields.Find(root, "schedule")!, e.Message.Split(" (Parameter")[0]);
        }

        return schedule;
    }

    private static List<TaskDefinition> ReadTasks(YamlMappingNode root, TaskSettings defaults, YamlFields fields)
    {
        var tasksNode = YamlFields.Find(root, "tasks");
        if (tasksNode is not YamlSequenceNode { Children.Count: > 0 } sequence)
        {
            fields.Error(tasksNode ?? root, "the DAG needs 'tasks': a list of at least one task");
            return [];
        }

        if (sequence.Children.Count > fields.Limits.MaxTasks)
        {
            fields.Error(sequence, $"the DAG has {sequence.Children.Count:N0} tasks, more than {fields.Limits.MaxTasks:N0} (the limit is the setting Dags:{nameof(DagFileLimits.MaxTasks)})");
            return [];
        }

        var parsed = new List<(TaskDefinition Task, YamlMappingNode Node)>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in sequence)
        {
            if (item is not YamlMappingNode taskNode)
            {
                fields.Error(item, "every task must be a mapping with at least an 'id'");
                continue;
            }

            fields.RejectUnknownKeys(taskNode, TaskKeys, "a task");
            var id = fields.String(taskNode, "id", "a task", required: true);
            if (id is null)
            {
                continue;
            }

            var where = $"task '{id}'";
            if (!IdPattern().IsMatch(id))
            {
                fields.Error(YamlFields.Find(taskNode, "id")!, $"task id '{id}' may only hold letters, digits, '_', '-' and '.'");
            }

            if (seen.TryGetValue(id, out var firstLine))
            {
                fields.Error(YamlFields.Find(taskNode, "id")!, $"duplicate task id '{id}' (first defined on line {firstLine})");
                continue;
            }

            seen[id] = YamlFields.LineOf(taskNode);
            parsed.Add((ReadTask(taskNode, id, where, defaults, fields), taskNode));
        }

        foreach (var (task, node) in parsed)
        {
            foreach (var (upstream, upstreamNode) in fields.StringList(node, "upstream", $"task '{task.TaskId}'") ?? [])
            {
                if (!seen.ContainsKey(upstream))
                {
                    fields.Error(upstreamNode, $"task '{task.TaskId}' has unknown upstream task '{upstream}'");
                }
            }
        }

        return DagGraph.Order(parsed, fields);
    }

    private static TaskDefinition ReadTask(YamlMappingNode node, string id, string where, TaskSettings defaults, YamlFields fields)
    {
        var kindText = fields.String(node, "kind", where) ?? "bash";
        if (!SnakeCase.TryParseSnakeCase<TaskKind>(kindText, out var kind))
        {
            fields.Error(YamlFields.Find(node, "kind")!, $"unknown kind '{kindText}' for {where}; expected one of: {string.Join(", ", SnakeCase.NamesOf<TaskKind>())}");
        }

        var command = fields.String(node, "command", where);
        fields.CheckLength(node, "command", command, $"the command of {where}", fields.Limits.MaxCommandLength, nameof(DagFileLimits.MaxCommandLength));
        if (kind == TaskKind.Bash && string.IsNullOrWhiteSpace(command) && kindText == "bash")
        {
            fields.Error(node, $"{where} is a bash task and needs a 'command'");
        }
        else if (kind != TaskKind.Bash && command is not null)
        {
            fields.Error(YamlFields.Find(node, "command")!, $"{where} is a {kindText} task and takes no 'command'");
        }

        var group = fields.String(node, "group", where);
        if (group is { Length: > MaxNameLength })
        {
            fields.Error(YamlFields.Find(node, "group")!, $"the group of {where} is {group.Length:N0} characters long, more than {MaxNameLength}");
        }
        else if (group is not null && !GroupPattern().IsMatch(group))
        {
            fields.Error(YamlFields.Find(node, "group")!, $"group '{group}' of {where} must be names separated by dots, such as 'extract' or 'extract.daily'");
        }

        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (fields.Mapping(node, "env", where) is { } envNode)
        {
            foreach (var (key, value) in envNode.Children)
            {
                var name = (key as YamlScalarNode)?.Value ?? "";
                if (Math.Max(name.Length, (value as YamlScalarNode)?.Value?.Length ?? 0) > fields.Limits.MaxEnvValueLength)
                {
                    fields.Error(value, $"environment variable '{name}' of {where} is longer than {fields.Limits.MaxEnvValueLength:N0} characters (the limit is the setting Dags:{nameof(DagFileLimits.MaxEnvValueLength)})");
                }
                else if (key is YamlScalarNode && value is YamlScalarNode { Value: { } text } && !YamlFields.IsNull(value))
                {
                    env[name] = text;
                }
                else
                {
                    fields.Error(value, $"environment variable '{name}' of {where} must be a text value");
                }
            }
        }

        var crossDag = ReadCrossDag(node, kind, where, fields);
        var settings = ReadTaskSettings(node, defaults, fields, where);
        return new TaskDefinition(
            id, Ordinal: 0, kind, command,
            Upstream: fields.StringList(node, "upstream", where)?.Select(u => u.Value).Distinct().ToList() ?? [],
            group, settings.Retries, settings.RetryDelay, settings.ExecutionTimeout, settings.DependsOnPast,
            settings.WaitForDownstream, settings.TriggerRule, env)
        {
            CrossDag = crossDag,
        };
    }

    private static TaskSettings ReadTaskSettings(YamlMappingNode? node, TaskSettings inherited, YamlFields fields, string where)
    {
        if (node is null)
        {
            return inherited;
        }

        if (where == "default_args")
        {
            fields.RejectUnknownKeys(node, DefaultArgKeys, "default_args");
        }

        var rule = inherited.TriggerRule;
        if (fields.String(node, "trigger_rule", where) is { } ruleText && !SnakeCase.TryParseSnakeCase(ruleText, out rule))
        {
            fields.Error(YamlFields.Find(node, "trigger_rule")!, $"unknown trigger_rule '{ruleText}'; expected one of: {string.Join(", ", SnakeCase.NamesOf<TriggerRule>())}");
            rule = inherited.TriggerRule;
        }

        var waitForDownstream = fields.Bool(node, "wait_for_downstream", where) ?? inherited.WaitForDownstream;
        return new TaskSettings(
            fields.Int(node, "retries", where, min: 0) ?? inherited.Retries,
            fields.Duration(node, "retry_delay", where) ?? inherited.RetryDelay,
            fields.Duration(node, "execution_timeout", where) ?? inherited.ExecutionTimeout,
            // As in Airflow, waiting for the previous run's downstream implies depending on it.
            (fields.Bool(node, "depends_on_past", where) ?? inherited.DependsOnPast) || waitForDownstream,
            waitForDownstream,
            rule);
    }

    private sealed record TaskSettings(
        int Retries, TimeSpan RetryDelay, TimeSpan? ExecutionTimeout, bool DependsOnPast, bool WaitForDownstream, TriggerRule TriggerRule)
    {
        public static readonly TaskSettings Airflow = new(0, TimeSpan.FromMinutes(5), null, false, false, TriggerRule.AllSuccess);
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,250}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$")]
    private static partial Regex GroupPattern();
}
