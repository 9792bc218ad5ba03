namespace Dashboard.Core.Domain;

/// <summary>
/// Task-instance states, as Airflow names them. "No state yet" (Airflow's None) is a null
/// <see cref="TaskInstanceState"/>?, not a member, so the database keeps SQL NULL for it.
/// </summary>
public enum TaskInstanceState
{
    Scheduled,
    Queued,
    Running,
    Success,
    Failed,
    Skipped,
    UpstreamFailed,
    UpForRetry,
    UpForReschedule,
    Deferred,
    Restarting,
    Removed,
}

public enum DagRunState
{
    Queued,
    Running,
    Success,
    Failed,
}

public enum DagRunType
{
    Scheduled,
    Manual,
    Backfill,
}

/// <summary>Who or what created a run (Airflow's <c>triggered_by</c>).</summary>
public enum DagRunTriggeredBy
{
    Timetable,
    Ui,
    Cli,
    RestApi,
    Backfill,
    Test,

    /// <summary>A trigger_dag task of another DAG.</summary>
    Operator,
}

public enum TriggerRule
{
    AllSuccess,
    AllFailed,
    AllDone,
    OneSuccess,
    OneFailed,
    NoneFailed,
    NoneFailedMinOneSuccess,
    NoneSkipped,
    Always,
}

public enum TaskKind
{
    Bash,
    Empty,
    LatestOnly,

    /// <summary>Waits for a task or a run of another DAG (Airflow's ExternalTaskSensor); the scheduler pokes it.</summary>
    ExternalTask,

    /// <summary>Creates a run of another DAG (Airflow's TriggerDagRunOperator); the scheduler does it.</summary>
    TriggerDag,
}

/// <summary>What a backfill does with a date slot that already has a run (Airflow's <c>reprocess_behavior</c>).</summary>
public enum ReprocessBehavior
{
    /// <summary>Missing runs only.</summary>
    None,
    /// <summary>Missing and errored runs.</summary>
    Failed,
    /// <summary>All runs.</summary>
    Completed,
}

public enum LogStream
{
    Stdout,
    Stderr,
    System,
}

/// <summary>The state sets Airflow's code reasons with (utils/state.py).</summary>
public static class StateSets
{
    public static readonly IReadOnlySet<TaskInstanceState> Finished = new HashSet<TaskInstanceState>
    {
        TaskInstanceState.Success, TaskInstanceState.Failed, TaskInstanceState.Skipped,
        TaskInstanceState.UpstreamFailed, TaskInstanceState.Removed,
    };

    public static readonly IReadOnlySet<TaskInstanceState> FailedStates = new HashSet<TaskInstanceState>
    {
        TaskInstanceState.Failed, TaskInstanceState.UpstreamFailed,
    };

    public static readonly IReadOnlySet<TaskInstanceState> SuccessStates = new HashSet<TaskInstanceState>
    {
        TaskInstanceState.Success, TaskInstanceState.Skipped,
    };

    public static bool IsFinished(this TaskInstanceState? state) => state is { } s && Finished.Contains(s);

    public static bool IsFinished(this DagRunState state) => state is DagRunState.Success or DagRunState.Failed;
}
