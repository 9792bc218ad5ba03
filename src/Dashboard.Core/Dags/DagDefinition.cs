using System.Text.Json.Serialization;
using Dashboard.Core.Domain;

namespace Dashboard.Core.Dags;

/// <summary>A DAG as its file defines it, validated, with every task's settings resolved.</summary>
public sealed record DagDefinition(
    string DagId,
    string? Description,
    string? Schedule,
    string Timezone,
    DateTimeOffset? StartDate,
    DateTimeOffset? EndDate,
    bool Catchup,
    int MaxActiveRuns,
    int MaxActiveTasks,
    IReadOnlyList<string> Tags,
    DagParams Params,
    IReadOnlyList<TaskDefinition> Tasks)
{
    /// <summary>
    /// <c>access_control.can_edit</c>: who besides Admins may change the DAG, role names spelled as the
    /// roles are; null when the file does not restrict it. Left out of the version hash when absent,
    /// so other DAGs keep their versions.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? EditAccess { get; init; }

    /// <summary>
    /// Event kind (<c>task_failure</c>) → the channels the file routes it to, replacing the settings'
    /// default for that event. Left out of the version hash when absent, so other DAGs keep their versions.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Notifications { get; init; }

    /// <summary>When a run must have finished; null for none. Left out of the version hash when absent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DagDeadline? Deadline { get; init; }

    /// <summary>
    /// Pause the DAG after this many failed runs in a row (0 never); null leaves it to the setting.
    /// Left out of the version hash when absent.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? MaxConsecutiveFailedDagRuns { get; init; }
}

/// <summary>One task; <see cref="Ordinal"/> is its place in a topological order (upstream first, then file order).</summary>
public sealed record TaskDefinition(
    string TaskId,
    int Ordinal,
    TaskKind Kind,
    string? Command,
    IReadOnlyList<string> Upstream,
    string? GroupId,
    int Retries,
    TimeSpan RetryDelay,
    TimeSpan? ExecutionTimeout,
    bool DependsOnPast,
    bool WaitForDownstream,
    TriggerRule TriggerRule,
    IReadOnlyDictionary<string, string> Env)
{
    /// <summary>Only for external_task and trigger_dag; left out of the version hash when absent, so other DAGs keep their versions.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CrossDagSettings? CrossDag { get; init; }
}

/// <summary>A problem in a DAG file, with the 1-based line it is on when there is one.</summary>
public sealed record DagFileError(int? Line, string Message)
{
    public override string ToString() => Line is { } line ? $"line {line}: {Message}" : Message;
}

public sealed record DagParseResult(DagDefinition? Dag, IReadOnlyList<DagFileError> Errors)
{
    public bool Succeeded => Dag is not null;
}
