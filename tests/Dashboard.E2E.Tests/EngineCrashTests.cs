using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.E2E.Tests;

/// <summary>The real app killed with SIGKILL while a task runs: the task's process dies with it, and the restarted app retries the try.</summary>
public sealed class EngineCrashTests
{
    private const string SlowDag = """
        dag_id: slow
        schedule: null
        default_args:
          retries: 1
          retry_delay: 0s
        tasks:
          - id: sleeper
            command: 'if [ "$TRY_NUMBER" = 1 ]; then sleep 300; fi; echo finished on try $TRY_NUMBER'
        """;

    [Fact]
    public async Task Killing_the_app_mid_run_kills_the_task_and_a_restarted_app_retries_it_to_success()
    {
        var home = TestPostgres.ScratchDirectory("crash");
        Directory.CreateDirectory(Path.Combine(home, "dags"));
        await File.WriteAllTextAsync(Path.Combine(home, "dags", "slow.yaml"), SlowDag);
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Dashboard"] = connectionString,
            ["Scheduler__TaskHeartbeatTimeout"] = "00:00:03",
            ["Executor__HeartbeatInterval"] = "00:00:00.500",
        };
        await using var db = new DashboardDbContext(DashboardDatabase.Options(connectionString));

        int taskPid;
        await using (var doomed = AppProcess.Start(home, settings))
        {
            await doomed.WaitUntilListeningAsync();
            await TriggerAsync(db);
            var running = await WaitForAsync(db, ti => ti.State == TaskInstanceState.Running && ti.Pid != null);
            taskPid = running.Pid!.Value;
            Assert.True(Directory.Exists($"/proc/{taskPid}"), "the task's process should be running");

            doomed.Kill();
            await doomed.WaitForExitAsync();
        }

        // The task's session watches the app's end of a pipe and ends itself when the app is gone.
        var gone = DateTime.UtcNow.AddSeconds(10);
        while (Directory.Exists($"/proc/{taskPid}") && DateTime.UtcNow < gone)
        {
            await Task.Delay(100);
        }

        Assert.False(Directory.Exists($"/proc/{taskPid}"), "the orphaned task process should have been killed");

        await using var restarted = AppProcess.Start(home, settings);
        await restarted.WaitUntilListeningAsync();
        var done = await WaitForAsync(db, ti => ti.State == TaskInstanceState.Success);

        Assert.Equal(2, done.TryNumber);
        var firstTry = await db.TaskInstanceHistory.AsNoTracking().SingleAsync(h => h.TaskInstanceId == done.Id);
        Assert.Equal((1, TaskInstanceState.Failed), (firstTry.TryNumber, firstTry.State));
        var firstLog = await db.TaskLogs.AsNoTracking().Where(l => l.TaskInstanceId == done.Id && l.TryNumber == 1).Select(l => l.Line).ToListAsync();
        Assert.Contains(firstLog, line => line.StartsWith("No heartbeat from this try's executor", StringComparison.Ordinal));
        var secondLog = await db.TaskLogs.AsNoTracking().Where(l => l.TaskInstanceId == done.Id && l.TryNumber == 2).Select(l => l.Line).ToListAsync();
        Assert.Contains("finished on try 2", secondLog);
    }

    private static async Task TriggerAsync(DashboardDbContext db)
    {
        var dag = await PollAsync(async () => await db.Dags.AsNoTracking().SingleOrDefaultAsync(d => d.DagId == "slow"));
        await db.Dags.Where(d => d.DagId == "slow").ExecuteUpdateAsync(s => s.SetProperty(d => d.IsPaused, false));
        await DagRunCreation.CreateAsync(db, "slow", dag.CurrentVersionId!.Value,
            [new NewDagRun("manual__crash", DagRunType.Manual, null, null, DateTimeOffset.UtcNow, DagRunTriggeredBy.Test)],
            DateTimeOffset.UtcNow, CancellationToken.None);
    }

    private static Task<TaskInstance> WaitForAsync(DashboardDbContext db, Func<TaskInstance, bool> condition) =>
        PollAsync(async () => (await db.TaskInstances.AsNoTracking().ToListAsync()).SingleOrDefault(condition));

    private static async Task<T> PollAsync<T>(Func<Task<T?>> probe) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("The engine did not get there within 45 s.");
    }
}
