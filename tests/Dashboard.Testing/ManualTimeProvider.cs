namespace Dashboard.Testing;

/// <summary>
/// Time that moves only when the test moves it. Due timers fire inside <see cref="Advance"/>, which
/// returns once their callbacks have run as far as they can without waiting on something else.
/// One-shot timers only: all the notifier uses.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _pending = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (period != Timeout.InfiniteTimeSpan)
        {
            throw new NotSupportedException("Only one-shot timers.");
        }

        var timer = new ManualTimer(this, () => callback(state));
        timer.Change(dueTime, period);
        return timer;
    }

    public void Advance(TimeSpan by)
    {
        List<ManualTimer> due;
        lock (_gate)
        {
            _now += by;
            due = _pending.Where(t => t.DueAt <= _now).OrderBy(t => t.DueAt).ToList();
            _pending.RemoveAll(due.Contains);
        }

        // As real timers do, on a pool thread: nothing the callbacks await captures the test's context or scheduler.
        Task.Run(() => due.ForEach(timer => timer.Fire())).Wait();
    }

    private sealed class ManualTimer(ManualTimeProvider owner, Action callback) : ITimer
    {
        private bool _disposed;

        public DateTimeOffset DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                owner._pending.Remove(this);
                if (_disposed || dueTime == Timeout.InfiniteTimeSpan)
                {
                    return !_disposed;
                }

                DueAt = owner._now + dueTime;
                owner._pending.Add(this);
                return true;
            }
        }

        public void Fire()
        {
            bool disposed;
            lock (owner._gate)
            {
                disposed = _disposed;
            }

            if (!disposed)
            {
                callback();
            }
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                _disposed = true;
                owner._pending.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
