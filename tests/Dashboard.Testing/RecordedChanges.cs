using System.Diagnostics;
using Dashboard.Core.Notifications;
using Npgsql;

namespace Dashboard.Testing;

/// <summary>A <see cref="ChangeNotifier"/> subscription that keeps every batch it receives, for a test to wait on.</summary>
public sealed class RecordedChanges : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly List<ChangeBatch> _batches = [];
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly IDisposable _subscription;

    private RecordedChanges(ChangeNotifier notifier, string? dagId, TimeSpan? window) =>
        _subscription = notifier.Subscribe(dagId, Record, window);

    /// <param name="dagId">The DAG to hear about, or null for every DAG.</param>
    public static RecordedChanges Subscribe(ChangeNotifier notifier, string? dagId, TimeSpan? window = null) => new(notifier, dagId, window);

    public IReadOnlyList<ChangeBatch> Batches
    {
        get
        {
            lock (_batches)
            {
                return [.. _batches];
            }
        }
    }

    /// <summary>Waits until the batches so far satisfy <paramref name="condition"/>, and returns them; fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<ChangeBatch>> WaitForAsync(Func<IReadOnlyList<ChangeBatch>, bool> condition, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var batches = Batches;
            if (condition(batches))
            {
                return batches;
            }

            var left = limit - stopwatch.Elapsed;
            if (left <= TimeSpan.Zero || !await _arrived.WaitAsync(left))
            {
                throw new TimeoutException(
                    $"The expected changes did not arrive within {limit.TotalSeconds:0.#} s; got {batches.Count} batches:\n{Describe(batches)}");
            }
        }
    }

    /// <summary>Waits for the first batch that names <paramref name="runId"/> and returns every batch up to it.</summary>
    public Task<IReadOnlyList<ChangeBatch>> WaitForRunAsync(long runId, TimeSpan? timeout = null) =>
        WaitForAsync(batches => batches.Any(b => b.RunIds.Contains(runId)), timeout);

    /// <summary>Waits for the first batch that names <paramref name="dagId"/> and returns every batch up to it.</summary>
    public Task<IReadOnlyList<ChangeBatch>> WaitForDagAsync(string dagId, TimeSpan? timeout = null) =>
        WaitForAsync(batches => batches.Any(b => b.DagIds.Contains(dagId)), timeout);

    public void Dispose() => _subscription.Dispose();

    /// <summary>
    /// Waits until the notifier's listener is LISTENing by sending probes until one comes back. As
    /// PostgreSQL delivers notifications in commit order, everything committed before has then been
    /// published too: a subscription made afterwards hears only what is committed afterwards.
    /// </summary>
    public static async Task WaitUntilListeningAsync(ChangeNotifier notifier, string connectionString)
    {
        var probeDag = $"probe_{Guid.NewGuid():N}";
        using var probes = Subscribe(notifier, probeDag, TimeSpan.FromMilliseconds(10));
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var stopwatch = Stopwatch.StartNew();
        for (var attempt = 1L; ; attempt++)
        {
            await using (var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection))
            {
                notify.Parameters.AddWithValue("channel", ChangeChannel.Name);
                notify.Parameters.AddWithValue("payload", $"{probeDag}|{attempt}");
                await notify.ExecuteNonQueryAsync();
            }

            try
            {
                await probes.WaitForRunAsync(attempt, TimeSpan.FromMilliseconds(500));
                return;
            }
            catch (TimeoutException) when (stopwatch.Elapsed < DefaultTimeout)
            {
                // Not listening yet: that probe is lost for good, send another.
            }
        }
    }

    private Task Record(ChangeBatch batch)
    {
        lock (_batches)
        {
            _batches.Add(batch);
        }

        _arrived.Release();
        return Task.CompletedTask;
    }

    private static string Describe(IEnumerable<ChangeBatch> batches) => string.Join("\n", batches.Select(b =>
        $"dags [{string.Join(", ", b.DagIds)}] runs [{string.Join(", ", b.RunIds.Order())}] unscoped={b.Unscoped} resync={b.Resync}"));
}
