namespace Dashboard.Core.Notifications;

/// <summary>
/// What changed during one coalescing window. <see cref="Unscoped"/> means something not about one
/// DAG changed (the import errors); only all-DAG subscribers hear of it. <see cref="Resync"/> means
/// notifications may have been missed (the listening connection dropped): reload everything shown,
/// trust nothing cached.
/// </summary>
public sealed record ChangeBatch(IReadOnlySet<string> DagIds, IReadOnlySet<long> RunIds, bool Unscoped, bool Resync)
{
    public bool Touches(string dagId) => Resync || DagIds.Contains(dagId);
}

/// <summary>A cache of database reads that a committed change can make stale.</summary>
public interface IChangeInvalidator
{
    /// <summary>A change to <paramref name="dagId"/> (null: to nothing about one DAG), in run <paramref name="runId"/> (0: to the DAG itself).</summary>
    void Invalidate(string? dagId, long runId);

    /// <summary>Changes may have been missed: forget everything.</summary>
    void InvalidateAll();
}

/// <summary>
/// The in-process side of live updates: the PostgreSQL listener publishes every committed change
/// here, and pages subscribe per DAG (or to all DAGs). Each subscription coalesces a burst into
/// one batch per window, so a thousand changes cost a page a few re-queries, not a thousand.
/// </summary>
public sealed class ChangeNotifier(TimeProvider time)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMilliseconds(250);

    private readonly Lock _gate = new();
    private ChangeSubscription[] _subscriptions = [];
    private IChangeInvalidator[] _invalidators = [];

    /// <summary>
    /// Tells <paramref name="invalidator"/> of every change synchronously, before any subscriber hears
    /// of it: a shared cache drops what the change made stale before a page can read it again.
    /// </summary>
    public void AddInvalidator(IChangeInvalidator invalidator)
    {
        lock (_gate)
        {
            _invalidators = [.. _invalidators, invalidator];
        }
    }

    /// <param name="dagId">The DAG to hear about, or null for every DAG.</param>
    /// <param name="onChanges">Called at most once per window, never concurrently with itself.</param>
    public IDisposable Subscribe(string? dagId, Func<ChangeBatch, Task> onChanges, TimeSpan? window = null)
    {
        var subscription = new ChangeSubscription(this, dagId, onChanges, window ?? DefaultWindow, time);
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }

        return subscription;
    }

    /// <summary>
    /// A committed change to a DAG (<paramref name="runId"/> 0: to the DAG itself, not one of its runs),
    /// or, with a null <paramref name="dagId"/>, to something not about one DAG.
    /// </summary>
    public void Publish(string? dagId, long runId)
    {
        foreach (var invalidator in Volatile.Read(ref _invalidators))
        {
            invalidator.Invalidate(dagId, runId);
        }

        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            if (subscription.DagId is null || (dagId is not null && subscription.DagId == dagId))
            {
                subscription.Add(dagId, runId);
            }
        }
    }

    /// <summary>Changes may have been missed: every subscriber reloads.</summary>
    public void PublishResync()
    {
        foreach (var invalidator in Volatile.Read(ref _invalidators))
        {
            invalidator.InvalidateAll();
        }

        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            subscription.AddResync();
        }
    }

    internal int SubscriberCount => Volatile.Read(ref _subscriptions).Length;

    private void Remove(ChangeSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = _subscriptions.Where(s => s != subscription).ToArray();
        }
    }

    /// <summary>
    /// Collects changes and delivers them once per window: a change waits at most one window from
    /// its arrival, or until the callback that was running when it arrived returns, whichever is
    /// later. The first change after a delivery starts the window, so a change that arrived while
    /// the callback ran and has waited a window already goes out as soon as the callback returns.
    /// </summary>
    private sealed class ChangeSubscription(
        ChangeNotifier owner, string? dagId, Func<ChangeBatch, Task> onChanges, TimeSpan window, TimeProvider time) : IDisposable
    {
        private readonly Lock _gate = new();
        private HashSet<string> _dagIds = [];
        private HashSet<long> _runIds = [];
        private bool _unscoped;
        private bool _resync;
        private bool _scheduled;
        private bool _disposed;
        private DateTimeOffset? _firstPendingAt;
        private ITimer? _timer;

        public string? DagId => dagId;

        public void Add(string? changedDag, long runId)
        {
            lock (_gate)
            {
                if (changedDag is null)
                {
                    _unscoped = true;
                }
                else
                {
                    _dagIds.Add(changedDag);
                }

                if (runId != 0)
                {
                    _runIds.Add(runId);
                }

                ScheduleLocked();
            }
        }

        public void AddResync()
        {
            lock (_gate)
            {
                _resync = true;
                ScheduleLocked();
            }
        }

        private void ScheduleLocked()
        {
            _firstPendingAt ??= time.GetUtcNow();
            if (_scheduled || _disposed)
            {
                return;
            }

            _scheduled = true;
            var due = _firstPendingAt.Value + window - time.GetUtcNow();
            _timer?.Dispose();
            _timer = time.CreateTimer(_ => _ = DeliverAsync(), null, due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }

        private async Task DeliverAsync()
        {
            ChangeBatch batch;
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                batch = new ChangeBatch(_dagIds, _runIds, _unscoped, _resync);
                _dagIds = [];
                _runIds = [];
                _unscoped = false;
                _resync = false;
                _firstPendingAt = null;
            }

            try
            {
                await onChanges(batch);
            }
            catch
            {
                // A page that fails to refresh must not stop the others; the page shows its own error.
            }
            finally
            {
                lock (_gate)
                {
                    _scheduled = false;
                    if (_firstPendingAt is not null)
                    {
                        ScheduleLocked();
                    }
                }
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
                _timer?.Dispose();
            }

            owner.Remove(this);
        }
    }
}
