using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.E2E.Tests;

/// <summary>
/// The real app killed with SIGKILL while a task runs: the task's processes die with it, a daemon it
/// started included, and the restarted app retries the try at once, without waiting for the heartbeat timeout.
/// </summary>
public sealed class EngineCrashTests
{
    // On its first try the task leaves a daemon (outside its process tree and session) and sleeps.
    private const string SlowDag = """
        dag_id: slow
        schedule: null
        default_args:
          retries: 1
          retry_delay: 0s
        tasks:
          - id: sleeper
            command: |
              if [ "$TRY_NUMBER" = 1 ]; then
                ( setsid nohup sh -c 'echo $$ > "$DASHBOARD_DATA_DIR/daemon.pid.new"; mv "$DASHBOARD_DATA_DIR/daemon.pid.new" "$DASHBOARD_DATA_DIR/daemon.pid"; exec sleep 1000' >/dev/null 2>&1 & )
                sleep 300
              fi
              echo finished on try $TRY_NUMBER
        """;

    /// <summary>Auto: a cgroup per try where the machine allows it (as here, when the tests run as root), else a subreaper.</summary>
    [Theory]
    [InlineData("Auto")]
    [InlineData("Subreaper")]
    public async Task Killing_the_app_mid_run_kills_the_task_and_its_daemon_and_a_restarted_app_retries_it_at_once(string containment)
    {
        var home = TestPostgres.ScratchDirectory("crash");
        Directory.CreateDirectory(Path.Combine(home, "dags"));
        await File.WriteAllTextAsync(Path.Combine(home, "dags", "slow.yaml"), SlowDag);
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Dashboard"] = connectionString,
            // Far longer than the test waits: the restarted app must know its own tries are dead without it.
            ["Scheduler__TaskHeartbeatTimeout"] = "01:00:00",
            ["Executor__HeartbeatInterval"] = "00:00:00.500",
            ["Executor__Containment"] = containment,
        };
        var daemonPidFile = Path.Combine(home, ".data", "work", "daemon.pid");
        await using var db = new DashboardDbContext(DashboardDatabase.Options(connectionString));

        int taskPid, daemonPid;
        await using (var doomed = AppProcess.Start(home, settings))
        {
            await doomed.WaitUntilListeningAsync();
            await TriggerAsync(db);
            var running = await WaitForAsync(db, ti => ti.State == TaskInstanceState.Running && ti.Pid != null);
            taskPid = running.Pid!.Value;
            await Eventually.HoldsAsync(() => Task.FromResult(File.Exists(daemonPidFile)), "the task wrote its daemon's pid");
            daemonPid = int.Parse(await File.ReadAllTextAsync(daemonPidFile), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(ProcessProbe.IsAlive(taskPid), "the task's process should be running");
            Assert.Equal(daemonPid, ProcessProbe.SessionOf(daemonPid)); // the daemon left the task's session
            if (containment == "Subreaper")
            {
                Assert.Contains("Each try runs under a child subreaper of its own", doomed.Output, StringComparison.Ordinal);
            }

            doomed.Kill();
            await doomed.WaitForExitAsync();
        }

        // The try's launcher watches the app's end of a pipe and ends the try when the app is gone:
        // its cgroup or everything below its subreaper, daemon and all.
        Assert.True(await ProcessProbe.EndsWithinAsync(taskPid, TimeSpan.FromSeconds(60)), "the orphaned task process should have been killed");
        Assert.True(await ProcessProbe.EndsWithinAsync(daemonPid, TimeSpan.FromSeconds(60)), "the task's daemon should have been killed with the app");

        await using var restarted = AppProcess.Start(home, settings);
        await restarted.WaitUntilListeningAsync();
        var done = await WaitForAsync(db, ti => ti.State == TaskInstanceState.Success);
        Assert.False(ProcessProbe.IsAlive(daemonPid), "the first try's daemon should be gone once the try ran again");

        Assert.Equal(2, done.TryNumber);
        var firstTry = await db.TaskInstanceHistory.AsNoTracking().SingleAsync(h => h.TaskInstanceId == done.Id);
        Assert.Equal((1, TaskInstanceState.Failed), (firstTry.TryNumber, firstTry.State));
        var firstLog = await db.TaskLogs.AsNoTracking().Where(l => l.TaskInstanceId == done.Id && l.TryNumber == 1).Select(l => l.Line).ToListAsync();
        Assert.Contains(firstLog, line => line.StartsWith("This try's executor on ", StringComparison.Ordinal) && line.Contains("has ended without finishing it", StringComparison.Ordinal));
        var secondLog = await db.TaskLogs.AsNoTracking().Where(l => l.TaskInstanceId == done.Id && l.TryNumber == 2).Select(l => l.Line).ToListAsync();
        Assert.Contains("finished on try 2", secondLog);
    }

    private static async Task TriggerAsync(DashboardDbContext db)
    {
        var dag = await Eventually.FoundAsync(() => db.Dags.AsNoTracking().SingleOrDefaultAsync(d => d.DagId == "slow"), "the DAG is loaded");
        await db.Dags.Where(d => d.DagId == "slow").ExecuteUpdateAsync(s => s.SetProperty(d => d.IsPaused, false));
        await DagRunCreation.CreateAsync(db, "slow", dag.CurrentVersionId!.Value,
            [new NewDagRun("manual__crash", DagRunType.Manual, null, null, DateTimeOffset.UtcNow, DagRunTriggeredBy.Test)],
            DateTimeOffset.UtcNow, CancellationToken.None);
    }

    private static Task<TaskInstance> WaitForAsync(DashboardDbContext db, Func<TaskInstance, bool> condition) =>
        Eventually.FoundAsync(async () => (await db.TaskInstances.AsNoTracking().ToListAsync()).SingleOrDefault(condition), "the task instance gets there");
}
