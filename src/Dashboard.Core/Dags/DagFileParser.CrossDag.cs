using System.Text;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using YamlDotNet.RepresentationModel;

namespace Dashboard.Core.Dags;

/// <summary>The fields of the two kinds that reach into another DAG: external_task and trigger_dag.</summary>
public static partial class DagFileParser
{
    /// <summary>Airflow's default poke_interval and its sensors' default timeout.</summary>
    private static readonly TimeSpan DefaultPokeInterval = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan DefaultSensorTimeout = TimeSpan.FromDays(7);

    private static CrossDagSettings? ReadCrossDag(YamlMappingNode node, TaskKind kind, string where, YamlFields fields)
    {
        var allowed = kind switch
        {
            TaskKind.ExternalTask => SensorKeys,
            TaskKind.TriggerDag => TriggerKeys,
            _ => [],
        };
        foreach (var key in CrossDagKeys.Where(k => !allowed.Contains(k)))
        {
            if (YamlFields.Find(node, key) is { } misplaced)
            {
                fields.Error(misplaced, $"'{key}' belongs to {(SensorKeys.Contains(key) ? "an external_task" : "a trigger_dag")} task; {where} is a {SnakeCase.ToSnakeCase(kind)} task");
            }
        }

        return kind switch
        {
            TaskKind.ExternalTask => ReadSensor(node, where, fields),
            TaskKind.TriggerDag => ReadTrigger(node, where, fields),
            _ => null,
        };
    }

    private static CrossDagSettings? ReadSensor(YamlMappingNode node, string where, YamlFields fields)
    {
        var dagId = ReadDagId(node, "external_dag_id", where, fields);
        var taskId = fields.String(node, "external_task_id", where);
        if (taskId is not null && !IdPattern().IsMatch(taskId))
        {
            fields.Error(YamlFields.Find(node, "external_task_id")!, $"external_task_id '{taskId}' of {where} may only hold letters, digits, '_', '-' and '.'");
        }

        // A task and a run have different states: the lists are checked against the one waited on.
        var forTask = taskId is not null;
        var allowed = ReadStates(node, "allowed_states", where, forTask, fields) ?? ["success"];
        var failed = ReadStates(node, "failed_states", where, forTask, fields) ?? (forTask ? ["failed", "upstream_failed"] : ["failed"]);
        var skipped = ReadStates(node, "skipped_states", where, forTask, fields) ?? [];
        CheckDisjoint(node, where, fields, ("allowed_states", allowed), ("failed_states", failed), ("skipped_states", skipped));

        var timeout = fields.Duration(node, "timeout", where) ?? DefaultSensorTimeout;
        return dagId is null
            ? null
            : new CrossDagSettings(
                dagId, taskId,
                fields.Duration(node, "execution_delta", where) ?? TimeSpan.Zero,
                allowed, failed, skipped,
                ReadPokeInterval(node, where, fields), timeout,
                fields.Bool(node, "soft_fail", where) ?? false,
                Conf: "{}", SameLogicalDate: true, WaitForCompletion: false, ResetDagRun: false);
    }

    private static CrossDagSettings? ReadTrigger(YamlMappingNode node, string where, YamlFields fields)
    {
        var dagId = ReadDagId(node, "trigger_dag_id", where, fields);
        var allowed = ReadStates(node, "allowed_states", where, forTask: false, fields) ?? ["success"];
        var failed = ReadStates(node, "failed_states", where, forTask: false, fields) ?? ["failed"];
        CheckDisjoint(node, where, fields, ("allowed_states", allowed), ("failed_states", failed));

        var conf = "{}";
        if (fields.Mapping(node, "conf", where) is { } confNode)
        {
            conf = YamlFields.ToJson(confNode)!.ToJsonString();
            if (Encoding.UTF8.GetByteCount(conf) is var size && size > fields.Limits.MaxParamsBytes)
            {
                fields.Error(confNode, $"the conf of {where} is {size:N0} bytes as JSON, more than {fields.Limits.MaxParamsBytes:N0} (the limit is the setting Dags:{nameof(DagFileLimits.MaxParamsBytes)})");
            }
        }

        var sameDate = true;
        if (fields.String(node, "logical_date", where) is { } logicalDate)
        {
            if (logicalDate is not ("same" or "none"))
            {
                fields.Error(YamlFields.Find(node, "logical_date")!, $"logical_date of {where} must be 'same' (this run's logical date) or 'none' (a run without one), got '{logicalDate}'");
            }

            sameDate = logicalDate != "none";
        }

        return dagId is null
            ? null
            : new CrossDagSettings(
                dagId, TaskId: null, ExecutionDelta: TimeSpan.Zero, allowed, failed, SkippedStates: [],
                ReadPokeInterval(node, where, fields), Timeout: null, SoftFail: false,
                conf, sameDate,
                fields.Bool(node, "wait_for_completion", where) ?? false,
                fields.Bool(node, "reset_dag_run", where) ?? true);
    }

    private static string? ReadDagId(YamlMappingNode node, string key, string where, YamlFields fields)
    {
        var dagId = fields.String(node, key, where);
        if (dagId is null)
        {
            fields.Error(node, $"{where} needs '{key}': the DAG it {(key == "trigger_dag_id" ? "triggers" : "waits on")}");
            return null;
        }

        if (!IdPattern().IsMatch(dagId))
        {
            fields.Error(YamlFields.Find(node, key)!, $"{key} '{dagId}' of {where} may only hold letters, digits, '_', '-' and '.'");
            return null;
        }

        return dagId;
    }

    private static TimeSpan ReadPokeInterval(YamlMappingNode node, string where, YamlFields fields)
    {
        var interval = fields.Duration(node, "poke_interval", where) ?? DefaultPokeInterval;
        if (interval < TimeSpan.FromSeconds(1))
        {
            fields.Error(YamlFields.Find(node, "poke_interval")!, $"poke_interval of {where} must be at least 1s: every check is a query");
            return DefaultPokeInterval;
        }

        return interval;
    }

    /// <summary>Task-instance states when a task is waited on, run states otherwise; null when the key is absent.</summary>
    private static List<string>? ReadStates(YamlMappingNode node, string key, string where, bool forTask, YamlFields fields)
    {
        if (fields.StringList(node, key, where) is not { } items)
        {
            return null;
        }

        var names = forTask ? SnakeCase.NamesOf<TaskInstanceState>() : SnakeCase.NamesOf<DagRunState>();
        var states = new List<string>();
        foreach (var (state, stateNode) in items)
        {
            if (names.Contains(state))
            {
                states.Add(state);
            }
            else
            {
                fields.Error(stateNode, $"unknown {(forTask ? "task" : "run")} state '{state}' in '{key}' of {where}; expected one of: {string.Join(", ", names)}");
            }
        }

        return states.Distinct().ToList();
    }

    private static void CheckDisjoint(YamlMappingNode node, string where, YamlFields fields, params (string Key, List<string> States)[] lists)
    {
        for (var i = 0; i < lists.Length; i++)
        {
            for (var j = i + 1; j < lists.Length; j++)
            {
                if (lists[i].States.Intersect(lists[j].States).FirstOrDefault() is { } both)
                {
                    fields.Error(YamlFields.Find(node, lists[j].Key) ?? node, $"state '{both}' of {where} is in both '{lists[i].Key}' and '{lists[j].Key}'");
                }
            }
        }
    }
}
