using Dashboard.Core.Notifications;
using Dashboard.Core.Persistence;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// What keeps a component equal to the database. Every reason to read again (a committed change
/// the notifier reports, a navigation, the person's own action, a moment when something shown
/// falls due) asks for a load here, and loads run one at a time on the component's dispatcher: a
/// request made while a load runs is served by one more load after it. So the last load always
/// starts after the last change, and an older read can never overwrite a newer one, however the
/// requests interleave. A load that fails keeps what is shown, says so, and is tried again with
/// back-off until one succeeds.
/// </summary>
/// <remarks>
/// Every member but <see cref="Dispose"/> runs on the dispatcher (the component's code, or through
/// its <c>InvokeAsync</c>), where no two pieces of code run at once; that is what makes the plain
/// fields below safe.
/// </remarks>
public sealed class LiveView : IDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly Func<Func<Task>, Task> _invoke;
    private readonly Func<Task> _load;
    private readonly Action _render;
    private readonly ChangeNotifier _notifier;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private IDisposable? _subscription;
    private string? _followedDag;
    private Task _running = Task.CompletedTask;
    private bool _pending;
    private bool _disposed;
    private ITimer? _due;
    private ITimer? _retry;
    private TimeSpan _retryDelay = FirstRetryDelay;

    internal LiveView(Func<Func<Task>, Task> invoke, Func<Task> load, Action render, ChangeNotifier notifier, TimeProvider time, ILogger logger)
    {
        _invoke = invoke;
        _load = load;
        _render = render;
        _notifier = notifier;
        _time = time;
        _logger = logger;
    }

    /// <summary>Why the last load failed (what is shown is older than the database), or null.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>
    /// Reloads on every change to <paramref name="dagId"/> (every DAG's when null) that
    /// <paramref name="concerns"/> says matters here; following the DAG already followed changes
    /// nothing, so a component calls it with its parameters every time they are set. Call it only
    /// in an interactive render: a prerender has no circuit to push to.
    /// </summary>
    public void Follow(string? dagId, Func<ChangeBatch, bool>? concerns = null)
    {
        if (_disposed || (_subscription is not null && _followedDag == dagId))
        {
            return;
        }

        _subscription?.Dispose();
        _followedDag = dagId;
        _subscription = _notifier.Subscribe(dagId, batch =>
            batch.Resync || concerns is null || concerns(batch) ? _invoke(ReloadAsync) : Task.CompletedTask);
    }

    /// <summary>Loads now, or right after the load that is running; completes once a load that started after this call has finished.</summary>
    public Task ReloadAsync()
    {
        if (_disposed)
        {
            return Task.CompletedTask;
        }

        _pending = true;
        if (_running.IsCompleted)
        {
            _running = RunAsync();
        }

        return _running;
    }

    /// <summary>
    /// Reloads at <paramref name="at"/>, when something shown falls due without any change being
    /// committed (a run that has waited too long, a failure leaving the last 24 h); null forgets it.
    /// Replaces the moment asked for before.
    /// </summary>
    public void ReloadAt(DateTimeOffset? at)
    {
        _due?.Dispose();
        _due = at is { } moment && !_disposed
            ? _time.CreateTimer(_ => _ = _invoke(ReloadAsync), null, Max(moment - _time.GetUtcNow(), TimeSpan.Zero), Timeout.InfiniteTimeSpan)
            : null;
    }

    private async Task RunAsync()
    {
        while (_pending && !_disposed)
        {
            _pending = false;
            try
            {
                await _load();
                Failure = null;
                _retryDelay = FirstRetryDelay;
            }
            catch (Exception e) when (!_disposed)
            {
                Failure = e;
                LogFailure(e);
                ScheduleRetry();
            }

            if (!_disposed)
            {
                _render();
            }
        }
    }

    // One line per attempt, and attempts back off: a lost database costs a few lines a minute, not a flood.
    private void LogFailure(Exception e)
    {
        if (DashboardDatabase.IsUnavailable(e))
        {
            _logger.LogWarning("A page could not read the database ({Reason}); trying again in {Delay} s", DashboardDatabase.Reason(e), _retryDelay.TotalSeconds);
        }
        else
        {
            _logger.LogError(e, "A page failed to load; trying again in {Delay} s", _retryDelay.TotalSeconds);
        }
    }

    private void ScheduleRetry()
    {
        _retry?.Dispose();
        _retry = _time.CreateTimer(_ => _ = _invoke(ReloadAsync), null, _retryDelay, Timeout.InfiniteTimeSpan);
        _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, MaxRetryDelay.Ticks));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public void Dispose()
    {
        _disposed = true;
        _subscription?.Dispose();
        _due?.Dispose();
        _retry?.Dispose();
    }
}

/// <summary>Makes the <see cref="LiveView"/> of a component: <c>Live.Create(InvokeAsync, LoadAsync, StateHasChanged)</c>.</summary>
public sealed class LiveViews(ChangeNotifier notifier, TimeProvider time, ILogger<LiveView> logger)
{
    /// <param name="invoke">The component's <c>InvokeAsync</c>: timers and the notifier call back through it.</param>
    /// <param name="load">Reads what the component shows and stores it, reading the component's parameters as they are when it starts.</param>
    /// <param name="render">The component's <c>StateHasChanged</c>, called after every load, and when one fails.</param>
    public LiveView Create(Func<Func<Task>, Task> invoke, Func<Task> load, Action render) =>
        new(invoke, load, render, notifier, time, logger);
}
