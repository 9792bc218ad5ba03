namespace Dashboard.Testing;

/// <summary>
/// Real time plus an offset a test can move forward, so it can step past a retry delay without
/// waiting for it. Only "now" moves: timers and delays still run in real time.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
