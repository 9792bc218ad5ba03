using System.ComponentModel.DataAnnotations;

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

    /// <summary>A writable folder handed to tasks as DASHBOARD_DATA_DIR; relative paths are under the working directory.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".data/work";
}

/// <summary>The <c>Dags</c> section: where DAG files live and how often they are rescanned.</summary>
public sealed class DagFileOptions
{
    public const string Section = "Dags";

    /// <summary>Relative paths are under the working directory (the repository root with <c>dotnet run</c>).</summary>
    [Required]
    public string Folder { get; set; } = "dags";

    /// <summary>The safety net behind the file watcher, which can miss events (network drives, editors that swap files).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(30);

    public string FullFolderPath => Path.GetFullPath(Folder);
}
