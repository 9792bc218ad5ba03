using System.Diagnostics.Metrics;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;

namespace Dashboard.Core.Observability;

/// <summary>
/// The app's own instruments, on the meter <see cref="MeterName"/>. Plain System.Diagnostics.Metrics:
/// nothing here knows OpenTelemetry; the web host exports the meter when asked to (README, "Metrics and
/// traces"), and measurements nobody listens to cost next to nothing. Callers record only what a
/// committed transaction did, so a rolled-back change is never counted.
/// </summary>
public sealed class DashboardMetrics
{
    public const string MeterName = "Dashboard";

    private static readonly InstrumentAdvice<double> TaskSeconds = new()
    {
        HistogramBucketBoundaries = [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200, 21600],
    };

    private static readonly InstrumentAdvice<double> PassSeconds = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    };

    private readonly Counter<long> taskInstancesFinished;
    private readonly Histogram<double> taskInstanceDuration;
    private readonly Counter<long> dagRunsFinished;
    private readonly Histogram<double> schedulerPassDuration;
    private readonly UpDownCounter<int> executorSlotsInUse;
    private readonly UpDownCounter<int> openCircuits;
    private readonly Counter<long> notificationDeliveries;
    private readonly ObservableGauge<int> queueDepthGauge;

    // Observed, not counted: written by the scheduler and the executor, read at collection time.
    private volatile QueueDepth? queueDepth;
    private volatile int executorCapacity;

    public DashboardMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(MeterName);
        taskInstancesFinished = Meter.CreateCounter<long>("dashboard.task_instance.finished", "{task_instance}",
            "Task instances the engine moved to a state that ends a try (success, failed, up_for_retry, skipped, upstream_failed), by state and dag_id.");
        taskInstanceDuration = Meter.CreateHistogram("dashboard.task_instance.duration", "s",
            "How long an executor's try ran, start to finish, by state and dag_id.", advice: TaskSeconds);
        dagRunsFinished = Meter.CreateCounter<long>("dashboard.dag_run.finished", "{dag_run}",
            "DAG runs the scheduler finished, by state and dag_id.");
        schedulerPassDuration = Meter.CreateHistogram("dashboard.scheduler.loop.duration", "s",
            "How long one scheduler pass over every active DAG took.", advice: PassSeconds);
        queueDepthGauge = Meter.CreateObservableGauge("dashboard.task_instance.queue_depth", ObserveQueueDepth, "{task_instance}",
            "Task instances waiting for an executor (scheduled) or claimed but not started (queued), by state, as the scheduler last counted them.");
        executorSlotsInUse = Meter.CreateUpDownCounter<int>("dashboard.executor.slots.in_use", "{slot}",
            "Tries this instance's executor is running.");
        Meter.CreateObservableGauge("dashboard.executor.slots.capacity", ObserveExecutorCapacity, "{slot}",
            "How many tries this instance's executor runs at once (Executor:Parallelism).");
        openCircuits = Meter.CreateUpDownCounter<int>("dashboard.circuits.open", "{circuit}",
            "Open Blazor circuits: browser tabs showing this instance's pages.");
        notificationDeliveries = Meter.CreateCounter<long>("dashboard.notification.deliveries", "{notification}",
            "Notifications handed to a channel, by channel kind and outcome (delivered or failed).");
    }

    /// <summary>The meter the instruments are on, for tests that listen to this instance only.</summary>
    public Meter Meter { get; }

    /// <summary>Task instances the scheduler finished without running them, <paramref name="count"/> at once.</summary>
    public void TaskInstancesFinished(string dagId, TaskInstanceState state, int count)
    {
        if (count > 0)
        {
            taskInstancesFinished.Add(count, Tags(dagId, SnakeCase.ToSnakeCase(state)));
        }
    }

    /// <summary>An executor's try ended and its task instance moved to <paramref name="state"/>.</summary>
    public void TryFinished(string dagId, TaskInstanceState state, TimeSpan duration)
    {
        var tags = Tags(dagId, SnakeCase.ToSnakeCase(state));
        taskInstancesFinished.Add(1, tags);
        taskInstanceDuration.Record(duration.TotalSeconds, tags);
    }

    public void DagRunFinished(string dagId, DagRunState state) => dagRunsFinished.Add(1, Tags(dagId, SnakeCase.ToSnakeCase(state)));

    public void SchedulerPassCompleted(TimeSpan duration) => schedulerPassDuration.Record(duration.TotalSeconds);

    /// <summary>Whether anything collects the queue depth: while nothing does, the scheduler need not count it.</summary>
    public bool QueueDepthWanted => queueDepthGauge.Enabled;

    public void QueueDepthCounted(int scheduled, int queued) => queueDepth = new QueueDepth(scheduled, queued);

    public void ExecutorStarted(int capacity) => executorCapacity = capacity;

    public void ExecutorSlotTaken() => executorSlotsInUse.Add(1);

    public void ExecutorSlotFreed() => executorSlotsInUse.Add(-1);

    public void CircuitOpened() => openCircuits.Add(1);

    public void CircuitClosed() => openCircuits.Add(-1);

    /// <summary>
    /// One delivery attempt that ended and was recorded (the delivery worker calls it), with the
    /// channel's kind (webhook, email) and whether the channel took it.
    /// </summary>
    public void NotificationDelivered(string channelKind, bool ok) => notificationDeliveries.Add(1,
        new KeyValuePair<string, object?>("channel", channelKind), new KeyValuePair<string, object?>("outcome", ok ? "delivered" : "failed"));

    private static KeyValuePair<string, object?>[] Tags(string dagId, string state) =>
        [new("state", state), new("dag_id", dagId)];

    private IEnumerable<Measurement<int>> ObserveQueueDepth()
    {
        if (queueDepth is { } depth)
        {
            yield return new Measurement<int>(depth.Scheduled, new KeyValuePair<string, object?>("state", "scheduled"));
            yield return new Measurement<int>(depth.Queued, new KeyValuePair<string, object?>("state", "queued"));
        }
    }

    private IEnumerable<Measurement<int>> ObserveExecutorCapacity()
    {
        if (executorCapacity > 0)
        {
            yield return new Measurement<int>(executorCapacity);
        }
    }

    private sealed record QueueDepth(int Scheduled, int Queued);
}
