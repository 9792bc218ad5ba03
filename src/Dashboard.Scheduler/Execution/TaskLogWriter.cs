using System.Threading.Channels;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Scheduler.Execution;

/// <summary>
/// Stores task output as it arrives, batched: lines from every running try are collected for a
/// moment and written with one statement, so a chatty task costs a few inserts a second, not one
/// per line, and its log is readable while it runs. A flush ends the moment early: a finished try
/// waits for its log before it reports its state, and holds its executor slot while it waits.
/// </summary>
public sealed class TaskLogWriter : IAsyncDisposable
{
    private static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(100);

    private readonly Channel<object> entries = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly WorkSignal flushRequested = new();
    private readonly IDbContextFactory<DashboardDbContext> dbFactory;
    private readonly TimeProvider clock;
    private readonly ILogger<TaskLogWriter> logger;
    private readonly Task pump;

    /// <summary>Lines lost since storing last failed: one log line when it starts failing, one when it works again.</summary>
    private int lostLines;

    public TaskLogWriter(IDbContextFactory<DashboardDbContext> dbFactory, TimeProvider clock, ILogger<TaskLogWriter> logger)
    {
        this.dbFactory = dbFactory;
        this.clock = clock;
        this.logger = logger;
        pump = Task.Run(PumpAsync);
    }

    public void Append(ClaimedTry attempt, LogStream stream, string line) =>
        entries.Writer.TryWrite(new Entry(attempt, clock.GetUtcNow(), stream, line.Replace('\0', ' ')));

    /// <summary>Completes once every line appended before the call is stored.</summary>
    public Task FlushAsync()
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!entries.Writer.TryWrite(flushed))
        {
            return Task.CompletedTask;
        }

        flushRequested.Pulse();
        return flushed.Task;
    }

    public async ValueTask DisposeAsync()
    {
        entries.Writer.TryComplete();
        await pump;
    }

    private async Task PumpAsync()
    {
        var batch = new List<Entry>();
        var flushes = new List<TaskCompletionSource>();
        while (await entries.Reader.WaitToReadAsync())
        {
            Drain(batch, flushes);
            if (flushes.Count == 0 && batch.Count < 1000)
            {
                // Let a burst of output gather into one insert, unless a flush is waiting for it.
                await flushRequested.WaitAsync(BatchWindow, CancellationToken.None);
                Drain(batch, flushes);
            }

            await WriteAsync(batch);
            batch.Clear();
            flushes.ForEach(f => f.TrySetResult());
            flushes.Clear();
        }
    }

    private void Drain(List<Entry> batch, List<TaskCompletionSource> flushes)
    {
        while (entries.Reader.TryRead(out var item))
        {
            if (item is Entry entry)
            {
                batch.Add(entry);
            }
            else
            {
                flushes.Add((TaskCompletionSource)item);
            }
        }
    }

    private async Task WriteAsync(List<Entry> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await using var db = await dbFactory.CreateDbContextAsync();
            await db.ExecuteAsync("""
                INSERT INTO task_log (task_instance_id, try_number, logged_at, stream, line)
                SELECT * FROM unnest(@ids, @tries, @times, @streams, @lines)
                """, CancellationToken.None,
                P("ids", batch.Select(e => e.Try.Id).ToArray()),
                P("tries", batch.Select(e => e.Try.TryNumber).ToArray()),
                P("times", batch.Select(e => e.At).ToArray()),
                P("streams", batch.Select(e => SnakeCase.ToSnakeCase(e.Stream)).ToArray()),
                P("lines", batch.Select(e => e.Line).ToArray()));
            if (lostLines > 0)
            {
                logger.LogWarning("Storing task log lines again; {Count} lines were lost meanwhile", lostLines);
                lostLines = 0;
            }
        }
        catch (Exception e)
        {
            // Losing log lines must never fail or stall the tasks that wrote them, nor flood the app's own log.
            if (lostLines == 0 && DashboardDatabase.IsUnavailable(e))
            {
                logger.LogWarning("Could not store task log lines, the database cannot be reached ({Reason}); lines are lost until it answers",
                    DashboardDatabase.Reason(e));
            }
            else if (lostLines == 0)
            {
                logger.LogError(e, "Could not store task log lines; lines are lost until storing works again");
            }

            lostLines += batch.Count;
        }
    }

    private sealed record Entry(ClaimedTry Try, DateTimeOffset At, LogStream Stream, string Line);
}
