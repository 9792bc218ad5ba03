using System.ComponentModel.DataAnnotations;
using Dashboard.Core.Dags;
using Dashboard.Scheduler.Execution.Containment;
using Microsoft.Extensions.Options;

namespace Dashboard.Scheduler;

/// <summary>The <c>Scheduler</c> section: the scheduling loop and the DAG-file processor.</summary>
public sealed class SchedulerOptions
{
    public const string Section = "Scheduler";

    /// <summary>Off for instances that only serve the UI.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the loop looks for due work when nothing woke it earlier.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan LoopInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A try whose executor has been silent this long is considered lost and is retried or failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TaskHeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Pause a DAG once this many of its runs in a row failed, unless its file says otherwise
    /// (<c>max_consecutive_failed_dag_runs</c>); 0, the default as in Airflow, never pauses.
    /// </summary>
    [Range(0, 1000)]
    public int MaxConsecutiveFailedDagRuns { get; set; }
}

/// <summary>The <c>Executor</c> section: runs tasks as local processes.</summary>
public sealed class ExecutorOptions
{
    public const string Section = "Executor";

    public bool Enabled { get; set; } = true;

    /// <summary>How many tries this instance runs at once.</summary>
    [Range(1, 1024)]
    public int Parallelism { get; set; } = 8;

    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Lines kept per try; the rest is counted and replaced by a truncation marker.</summary>
    [Range(10, 10_000_000)]
    public int MaxLogLinesPerTry { get; set; } = 20_000;

    /// <summary>Characters kept per line.</summary>
    [Range(80, 1_000_000)]
    public int MaxLogLineLength { get; set; } = 8_000;

    /// <summary>
    /// How every process a try starts is made to end with it: Auto (a cgroup per try where the
    /// machine allows it, else a child subreaper per try), Cgroup or Subreaper (that one, or no start).
    /// </summary>
    public TaskContainmentMode Containment { get; set; } = TaskContainmentMode.Auto;

    /// <summary>A writable folder handed to tasks as DASHBOARD_DATA_DIR; relative paths are under the working directory.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".data/work";
}

/// <summary>
/// The <c>Dags</c> section: where DAG files live, how often they are rescanned, and what one file may
/// hold (<see cref="DagFileLimits"/>: a file over a limit is an import error, and other DAGs carry on).
/// </summary>
public sealed class DagFileOptions
{
    public const string Section = "Dags";

    /// <summary>Relative paths are under the working directory (the repository root with <c>dotnet run</c>).</summary>
    [Required]
    public string Folder { get; set; } = "dags";

    /// <summary>The safety net behind the file watcher, which can miss events (network drives, editors that swap files).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long reading one file may take (a hung network drive); a file that takes longer is skipped with an import error.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    [Range(1024, 256 * 1024 * 1024)]
    public int MaxFileBytes { get; set; } = DagFileLimits.Default.MaxFileBytes;

    [Range(100, 100_000_000)]
    public int MaxYamlNodes { get; set; } = DagFileLimits.Default.MaxYamlNodes;

    [Range(0, 10_000_000)]
    public int MaxYamlAliases { get; set; } = DagFileLimits.Default.MaxYamlAliases;

    /// <summary>At most 64: deeper params could not be written as JSON.</summary>
    [Range(4, 64)]
    public int MaxYamlDepth { get; set; } = DagFileLimits.Default.MaxYamlDepth;

    [Range(1, 1_000_000)]
    public int MaxTasks { get; set; } = DagFileLimits.Default.MaxTasks;

    [Range(0, 10_000_000)]
    public int MaxDescriptionLength { get; set; } = DagFileLimits.Default.MaxDescriptionLength;

    [Range(2, 16 * 1024 * 1024)]
    public int MaxParamsBytes { get; set; } = DagFileLimits.Default.MaxParamsBytes;

    [Range(1, 16 * 1024 * 1024)]
    public int MaxCommandLength { get; set; } = DagFileLimits.Default.MaxCommandLength;

    [Range(1, 16 * 1024 * 1024)]
    public int MaxEnvValueLength { get; set; } = DagFileLimits.Default.MaxEnvValueLength;

    [Range(0, 10_000)]
    public int MaxTags { get; set; } = DagFileLimits.Default.MaxTags;

    [Range(1, 10_000)]
    public int MaxTagLength { get; set; } = DagFileLimits.Default.MaxTagLength;

    public string FullFolderPath => Path.GetFullPath(Folder);

    public DagFileLimits Limits => new()
    {
        MaxFileBytes = MaxFileBytes,
        MaxYamlNodes = MaxYamlNodes,
        MaxYamlAliases = MaxYamlAliases,
        MaxYamlDepth = MaxYamlDepth,
        MaxTasks = MaxTasks,
        MaxDescriptionLength = MaxDescriptionLength,
        MaxParamsBytes = MaxParamsBytes,
        MaxCommandLength = MaxCommandLength,
        MaxEnvValueLength = MaxEnvValueLength,
        MaxTags = MaxTags,
        MaxTagLength = MaxTagLength,
    };
}

/// <summary>The rules between <see cref="DagFileOptions"/> settings that no single range can say.</summary>
internal sealed class DagFileOptionsValidation : IValidateOptions<DagFileOptions>
{
    /// <summary>The fewest YAML nodes a task takes: its mapping, and the key and value of its id.</summary>
    private const int NodesPerTask = 3;

    public ValidateOptionsResult Validate(string? name, DagFileOptions options) =>
        (long)options.MaxTasks * NodesPerTask <= options.MaxYamlNodes
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{DagFileOptions.Section}:{nameof(options.MaxYamlNodes)} ({options.MaxYamlNodes:N0}) leaves no room for " +
                $"{DagFileOptions.Section}:{nameof(options.MaxTasks)} ({options.MaxTasks:N0}) tasks of at least {NodesPerTask} nodes each");
}
