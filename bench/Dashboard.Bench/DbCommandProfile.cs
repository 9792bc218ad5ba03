using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Dashboard.Bench;

/// <summary>
/// Counts the database commands the engine sends, by statement, from Npgsql's activities: how many
/// round trips a task instance costs and which statements they are. Commands sent from a flow that
/// called <see cref="IgnoreThisFlow"/> (the benchmark's own polling) are not counted.
/// Transaction COMMITs are not commands to Npgsql and so are not in the counts.
/// </summary>
internal sealed partial class DbCommandProfile : IDisposable
{
    private static readonly AsyncLocal<bool> Ignored = new();

    private readonly ActivityListener _listener;
    private ConcurrentDictionary<string, StatementStats> _statements = new();
    private long _seen;

    public DbCommandProfile()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) =>
                Ignored.Value ? ActivitySamplingResult.None : ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Stops counting for the calling async flow (the calling async method and what it awaits).</summary>
    public static void IgnoreThisFlow() => Ignored.Value = true;

    /// <summary>What was counted since the last call, most frequent first, then in the order they first finished.</summary>
    public List<(string Statement, int Count, TimeSpan Time)> Take()
    {
        var taken = Interlocked.Exchange(ref _statements, new ConcurrentDictionary<string, StatementStats>());
        return taken.OrderByDescending(s => s.Value.Count).ThenBy(s => s.Value.FirstSeen)
            .Select(s => (s.Key, s.Value.Count, TimeSpan.FromTicks(s.Value.Ticks))).ToList();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Activity activity)
    {
        if (activity.GetTagItem("db.query.text") is not string sql)
        {
            return;
        }

        var stats = _statements.GetOrAdd(Summarize(sql), _ => new StatementStats { FirstSeen = Interlocked.Increment(ref _seen) });
        Interlocked.Increment(ref stats.Count);
        Interlocked.Add(ref stats.Ticks, activity.Duration.Ticks);
    }

    /// <summary>A statement's first 90 characters with whitespace folded: enough to tell the engine's statements apart.</summary>
    private static string Summarize(string sql)
    {
        var folded = Whitespace().Replace(sql, " ").Trim();
        return folded.Length <= 90 ? folded : folded[..90] + "…";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    private sealed class StatementStats
    {
        public long FirstSeen { get; init; }
        public int Count;
        public long Ticks;
    }
}
