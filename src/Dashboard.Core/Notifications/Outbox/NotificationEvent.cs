using Dashboard.Core.Persistence;

namespace Dashboard.Core.Notifications.Outbox;

/// <summary>
/// What a channel can be told about. Stored in snake case (<c>task_failure</c>); settings and DAG
/// files name each with <c>on_</c> before it (<c>on_task_failure</c>).
/// </summary>
public enum NotificationEvent
{
    /// <summary>A try failed with no tries left.</summary>
    TaskFailure,

    /// <summary>A try failed and the task instance waits to be retried.</summary>
    Retry,

    RunFailure,
    RunSuccess,

    /// <summary>A run was still unfinished at its deadline, found by the scheduler's deadline check.</summary>
    DeadlineMissed,

    /// <summary>The scheduler paused a DAG whose last runs all failed (<c>max_consecutive_failed_dag_runs</c>).</summary>
    DagAutoPaused,

    /// <summary>A DAG file that imported (or is new) stopped importing. Only the settings' defaults route it: there is no DAG to ask.</summary>
    ImportError,

    /// <summary>A user's "Send test" to one channel; never routed.</summary>
    Test,
}

public static class NotificationEvents
{
    /// <summary>The events settings and DAG files may route, by their key (<c>on_task_failure</c>).</summary>
    public static readonly IReadOnlyDictionary<string, NotificationEvent> ByKey =
        new[] { NotificationEvent.TaskFailure, NotificationEvent.Retry, NotificationEvent.RunFailure, NotificationEvent.RunSuccess,
                NotificationEvent.DeadlineMissed, NotificationEvent.DagAutoPaused, NotificationEvent.ImportError }
            .ToDictionary(Key, e => e, StringComparer.Ordinal);

    /// <summary>The events a DAG file may route: all but the import error, which is about no DAG.</summary>
    public static readonly IReadOnlyList<string> DagKeys = [.. ByKey.Keys.Where(k => ByKey[k] != NotificationEvent.ImportError)];

    public static string Kind(NotificationEvent e) => SnakeCase.ToSnakeCase(e);

    public static string Key(NotificationEvent e) => "on_" + Kind(e);
}
