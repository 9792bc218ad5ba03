namespace Dashboard.Core.Domain.Timetables;

/// <summary>
/// The span of data a run covers, [<see cref="Start"/>, <see cref="End"/>): the run's logical date is
/// <see cref="Start"/> and it may start once <see cref="End"/> has passed.
/// </summary>
public readonly record struct DataInterval(DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>The zero-length interval of a run that covers a moment rather than a period.</summary>
    public static DataInterval At(DateTimeOffset moment) => new(moment.ToUniversalTime(), moment.ToUniversalTime());
}
