namespace Dashboard.Scheduler;

/// <summary>
/// Wakes a loop that otherwise sleeps for its poll interval: the executor pulses the scheduler when a
/// try finishes, the scheduler pulses the executor when it scheduled work. Pulses coalesce.
/// </summary>
public sealed class WorkSignal
{
    private readonly SemaphoreSlim pending = new(0, 1);

    public void Pulse()
    {
        try
        {
            pending.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already pulsed and not yet consumed: one wake-up covers both.
        }
    }

    /// <returns>True when pulsed, false when the timeout passed first.</returns>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => pending.WaitAsync(timeout, ct);
}

/// <summary>The two wake-up signals of one engine instance.</summary>
public sealed class EngineSignals
{
    public WorkSignal Scheduler { get; } = new();

    public WorkSignal Executor { get; } = new();
}
