using Dashboard.Core.Domain;
using Dashboard.Core.Queries;

namespace Dashboard.Web.Components.Logs;

/// <summary>
/// The lines of the try a page shows, kept up to date: each load replaces them, and while the
/// shown try is the running one a tail appends what it writes. Log lines are not state changes, so
/// no notification announces them: the tail is the one place that asks, once a second, and only
/// while the try runs.
/// </summary>
public sealed class LogFeed(TaskLogQuery query, Func<Func<Task>, Task> invoke, Action changed, int? maxLines) : IDisposable
{
    private static readonly TimeSpan TailInterval = TimeSpan.FromSeconds(1);

    private CancellationTokenSource? _tail;
    private long _lastLineId;

    public List<TaskLogLine> Lines { get; private set; } = [];

    /// <summary>The shown try is running: lines arrive as it writes them.</summary>
    public bool Tailing { get; private set; }

    /// <summary>Takes what a load read, and tails the try if it is the one running.</summary>
    public void Show(TaskInstanceLog? log, bool interactive)
    {
        Lines = log?.Lines.ToList() ?? [];
        Interlocked.Exchange(ref _lastLineId, Lines.Count > 0 ? Lines[^1].Id : 0);
        _tail?.Cancel();
        _tail = null;
        Tailing = log is { Instance.State: TaskInstanceState.Running or TaskInstanceState.Queued } && log.ShownTry == log.Instance.TryNumber;
        if (Tailing && interactive)
        {
            _tail = new CancellationTokenSource();
            _ = TailAsync(log!.Instance.Id, log.Instance.TryNumber, _tail.Token);
        }
    }

    private async Task TailAsync(long taskInstanceId, int tryNumber, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TailInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var fresh = await query.LinesAfterAsync(taskInstanceId, tryNumber, Interlocked.Read(ref _lastLineId), ct);
                if (fresh.Count == 0)
                {
                    continue;
                }

                await invoke(() =>
                {
                    // A load replaced the lines (and restarted the tail) while these were read.
                    if (!ct.IsCancellationRequested)
                    {
                        Lines.AddRange(fresh);
                        Interlocked.Exchange(ref _lastLineId, fresh[^1].Id);
                        if (maxLines is { } max && Lines.Count > max)
                        {
                            Lines.RemoveRange(0, Lines.Count - max);
                        }

                        changed();
                    }

                    return Task.CompletedTask;
                });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose() => _tail?.Cancel();
}
