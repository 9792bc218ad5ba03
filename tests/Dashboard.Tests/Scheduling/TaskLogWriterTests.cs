using Dashboard.Core.Domain;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Scheduler;
using Dashboard.Scheduler.DagFiles;
using Dashboard.Scheduler.Execution;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Dashboard.Tests.Scheduling;

/// <summary>
/// The executor reports a try's state only after flushing its log, so a finished task instance
/// always shows its whole log. A flush cuts the batch window short; it must not cut the batch.
/// </summary>
public sealed class TaskLogWriterTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task A_flush_completes_only_when_every_line_appended_before_it_is_stored_in_order()
    {
        var (first, second) = await AddTwoTaskInstancesAsync();
        var gated = new GatedDbFactory(database.DbFactory);
        await using var writer = new TaskLogWriter(gated, TimeProvider.System, NullLogger<TaskLogWriter>.Instance);

        writer.Append(first, LogStream.System, "first: starting");
        writer.Append(second, LogStream.Stdout, "second: output");
        writer.Append(first, LogStream.Stderr, "first: warning");
        var flushed = writer.FlushAsync();
        writer.Append(second, LogStream.System, "second: after the flush");

        try
        {
            await gated.Entered;
            Assert.False(flushed.IsCompleted); // the insert is held at the gate, so the flush must wait for it
        }
        finally
        {
            gated.Open(); // else disposing the writer would wait for the held insert forever
        }

        await flushed;

        Assert.Equal(["first: starting", "first: warning"], await LinesAsync(first));
        Assert.Contains("second: output", await LinesAsync(second));

        await writer.FlushAsync();
        Assert.Equal(["second: output", "second: after the flush"], await LinesAsync(second));
    }

    private async Task<List<string>> LinesAsync(ClaimedTry attempt)
    {
        await using var db = database.CreateContext();
        return await db.TaskLogs.Where(l => l.TaskInstanceId == attempt.Id && l.TryNumber == attempt.TryNumber)
            .OrderBy(l => l.Id).Select(l => l.Line).ToListAsync();
    }

    private async Task<(ClaimedTry First, ClaimedTry Second)> AddTwoTaskInstancesAsync()
    {
        var folder = TestPostgres.ScratchDirectory("log-writer-dags");
        await File.WriteAllTextAsync(Path.Combine(folder, "log_writer.yaml"), """
            dag_id: log_writer
            tasks:
              - {id: first, command: "true"}
              - {id: second, command: "true"}
            """);
        var processor = new DagFileProcessor(
            database.DbFactory, Options.Create(new DagFileOptions { Folder = folder }), NotificationRoutes.None, TimeProvider.System, NullLogger<DagFileProcessor>.Instance);
        await processor.ProcessFolderAsync(CancellationToken.None);

        await using var db = database.CreateContext();
        var versionId = (await db.Dags.SingleAsync(d => d.DagId == "log_writer")).CurrentVersionId!.Value;
        var now = DateTimeOffset.UtcNow;
        await DagRunCreation.CreateAsync(
            db, "log_writer", versionId, [new NewDagRun("manual__log_writer", DagRunType.Manual, null, null, now, DagRunTriggeredBy.Test)], now, CancellationToken.None);
        var ids = await db.TaskInstances.Where(t => t.DagId == "log_writer").ToDictionaryAsync(t => t.TaskId, t => t.Id);
        return (new ClaimedTry(ids["first"], 1), new ClaimedTry(ids["second"], 1));
    }

    /// <summary>Holds the writer's first insert until the test opens the gate.</summary>
    private sealed class GatedDbFactory(IDbContextFactory<DashboardDbContext> inner) : IDbContextFactory<DashboardDbContext>
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public void Open() => _open.TrySetResult();

        public DashboardDbContext CreateDbContext() => inner.CreateDbContext();

        public async Task<DashboardDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
        {
            _entered.TrySetResult();
            await _open.Task.WaitAsync(cancellationToken);
            return await inner.CreateDbContextAsync(cancellationToken);
        }
    }
}
