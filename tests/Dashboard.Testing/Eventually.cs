using System.Diagnostics;

namespace Dashboard.Testing;

/// <summary>
/// Waits for what a test cannot be told about (another process, the database, the file system) by
/// asking again until it holds. The patience only decides when to give up: a busy machine makes a
/// wait longer, never a test wrong.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    /// <summary>Returns once <paramref name="condition"/> holds; <paramref name="context"/> adds to the failure (an app's output, say).</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, Func<string>? context = null)
    {
        await FoundAsync(async () => await condition() ? what : null, what, context);
    }

    /// <summary>The first non-null answer of <paramref name="probe"/>.</summary>
    public static async Task<T> FoundAsync<T>(Func<Task<T?>> probe, string what, Func<string>? context = null) where T : class
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (waited.Elapsed > Patience)
            {
                throw new TimeoutException($"Waited {Patience.TotalSeconds} s in vain for this: {what}.{(context is null ? "" : "\n" + context())}");
            }

            await Task.Delay(Interval);
        }
    }
}
