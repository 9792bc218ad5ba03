using Dashboard.Core.Dags;

namespace Dashboard.Core.Domain;

/// <summary>A DAG as last parsed from its file; its task structure lives in <see cref="DagVersion"/>s.</summary>
public sealed class Dag
{
    public required string DagId { get; set; }
    public string? Description { get; set; }

    /// <summary>A cron expression, a preset such as <c>@daily</c>, or null for manual runs only.</summary>
    public string? Schedule { get; set; }

    public string Timezone { get; set; } = "UTC";
    public DateTimeOffset? StartDate { get; set; }
    public DateTimeOffset? EndDate { get; set; }
    public bool Catchup { get; set; }
    public int MaxActiveRuns { get; set; } = 16;
    public int MaxActiveTasks { get; set; } = 16;
    public bool IsPaused { get; set; } = true;

    /// <summary>False once the DAG's file is gone: its history stays, nothing new is scheduled.</summary>
    public bool IsActive { get; set; } = true;

    public List<string> Tags { get; set; } = [];

    /// <summary>
    /// The roles and user names the file's <c>access_control.can_edit</c> lists, the only people besides
    /// Admins who may change this DAG (<see cref="Security.DagAccess"/>); null when the file has none and
    /// the roles alone decide. On the DAG, not its versions: it rules from the moment the file is parsed.
    /// </summary>
    public List<string>? EditAccess { get; set; }

    /// <summary>
    /// The file's own notification channels per event (<c>{"task_failure": ["ops"]}</c>, jsonb), or null
    /// for none: an event it names replaces the settings' default for that event.
    /// </summary>
    public string? Notifications { get; set; }

    /// <summary>The file's <c>deadline</c>: what it counts from, or null for no deadline. New runs take it on creation.</summary>
    public DeadlineReference? DeadlineReference { get; set; }

    public TimeSpan? DeadlineInterval { get; set; }

    /// <summary>The file's <c>max_consecutive_failed_dag_runs</c> (0 never pauses); null leaves it to the scheduler's setting.</summary>
    public int? MaxConsecutiveFailedDagRuns { get; set; }

    public string? FileLocation { get; set; }
    public int? CurrentVersionId { get; set; }
    public DagVersion? CurrentVersion { get; set; }
    public DateTimeOffset? LastParsedAt { get; set; }
}

/// <summary>
/// One parsed definition of a DAG, kept for good: a run records the version it runs, and a re-run
/// (Clear, Clear &amp; Retry, a backfill) moves it to the current one unless asked not to.
/// </summary>
public sealed class DagVersion
{
    public int Id { get; set; }
    public required string DagId { get; set; }
    public int VersionNumber { get; set; }

    /// <summary>Hash of the whole definition, so re-parsing a file that defines the same DAG makes no new version.</summary>
    public required string StructureHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The DAG file's text as it was parsed into this version, for the Code tab and its diffs.</summary>
    public string? Source { get; set; }

    /// <summary>The file, relative to the DAG folder, this version was read from.</summary>
    public string? FileLocation { get; set; }

    /// <summary>
    /// The version's params as the JSON Schema of a run's conf (<see cref="DagParams"/>): their
    /// defaults, which a run's conf overrides, and what the conf must fit. Stored as written (json,
    /// not jsonb), so the trigger form lists them in the file's order.
    /// </summary>
    public string Params { get; set; } = DagParams.None.ToJson();
    public List<DagTask> Tasks { get; set; } = [];
}

/// <summary>A task of one DAG version, with its settings resolved from the DAG's defaults.</summary>
public sealed class DagTask
{
    public int Id { get; set; }
    public int DagVersionId { get; set; }
    public required string TaskId { get; set; }

    /// <summary>Position in a topological order of the version's tasks (the grid's row order).</summary>
    public int Ordinal { get; set; }

    public TaskKind Kind { get; set; }
    public string? Command { get; set; }
    public int Retries { get; set; }
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan? ExecutionTimeout { get; set; }
    public bool DependsOnPast { get; set; }
    public bool WaitForDownstream { get; set; }
    public TriggerRule TriggerRule { get; set; } = TriggerRule.AllSuccess;

    /// <summary>Task group path such as <c>extract.daily</c>, or null at the top level.</summary>
    public string? GroupId { get; set; }

    public List<string> UpstreamTaskIds { get; set; } = [];

    /// <summary>Extra environment variables for the task's process, as a JSON object.</summary>
    public string Env { get; set; } = "{}";

    /// <summary>
    /// The DAG an external_task waits on or a trigger_dag creates runs of: a column of its own, so
    /// "who depends on this DAG" is one indexed query.
    /// </summary>
    public string? ExternalDagId { get; set; }

    /// <summary>The task an external_task waits on; null when it waits on the whole run.</summary>
    public string? ExternalTaskId { get; set; }

    /// <summary>The remaining settings of an external_task or trigger_dag task, as JSON (<c>CrossDagSettings</c>).</summary>
    public string? CrossDag { get; set; }
}
