using System.Diagnostics;

namespace Dashboard.Bench;

/// <summary>How the benchmarks time one measurement.</summary>
internal static class Stopwatches
{
    /// <summary>Milliseconds <paramref name="action"/> takes, from a collected heap, so one measurement does not pay for the garbage of the one before.</summary>
    public static async Task<double> TimeAsync<T>(Func<Task<T>> action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var stopwatch = Stopwatch.StartNew();
        GC.KeepAlive(await action());
        return stopwatch.Elapsed.TotalMilliseconds;
    }
}
