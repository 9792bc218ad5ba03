namespace Dashboard.Testing;

/// <summary>A "now" that stands still, for queries whose answers depend on the time of day.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
