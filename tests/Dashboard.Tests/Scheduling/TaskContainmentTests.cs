using System.Diagnostics;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Scheduler.Execution.Containment;
using Dashboard.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Tests.Scheduling;

/// <summary>
/// A task that starts a daemon the classic way (<c>setsid nohup ... &amp;</c> from a subshell that
/// exits at once): the daemon ends with its try however the try ends, with a cgroup per try and
/// with a child subreaper alike.
/// </summary>
public sealed class TaskContainmentTests
{
    public static TheoryData<TaskContainmentMode> Modes => new() { TaskContainmentMode.Cgroup, TaskContainmentMode.Subreaper };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_daemon_ends_with_a_try_that_succeeds(TaskContainmentMode mode)
    {
        await using var engine = await StartAsync(mode);
        if (engine is null)
        {
            return;
        }

        var daemon = new Daemon();
        var (dagId, runId) = await RunAsync(engine, $"{daemon.Start}\nexit 0");

        await engine.RunUntilTaskStateAsync(dagId, runId, "daemonize", TaskInstanceState.Success);

        await daemon.AssertGoneAsync(engine);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_daemon_ends_with_a_try_that_fails(TaskContainmentMode mode)
    {
        await using var engine = await StartAsync(mode);
        if (engine is null)
        {
            return;
        }

        var daemon = new Daemon();
        var (dagId, runId) = await RunAsync(engine, $"{daemon.Start}\nexit 3");

        await engine.RunUntilTaskStateAsync(dagId, runId, "daemonize", TaskInstanceState.Failed);

        var ti = await engine.TaskInstanceAsync(dagId, runId, "daemonize");
        Assert.Contains("Exited with code 3", string.Join("\n", await engine.LogAsync(ti.Id, 1)), StringComparison.Ordinal);
        await daemon.AssertGoneAsync(engine);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_daemon_ends_with_a_try_killed_by_its_execution_timeout(TaskContainmentMode mode)
    {
        await using var engine = await StartAsync(mode);
        if (engine is null)
        {
            return;
        }

        var daemon = new Daemon();
        var (dagId, runId) = await RunAsync(engine, $"{daemon.Start}\nsleep 300", executionTimeout: "2s");

        await engine.RunUntilTaskStateAsync(dagId, runId, "daemonize", TaskInstanceState.Failed);

        var ti = await engine.TaskInstanceAsync(dagId, runId, "daemonize");
        Assert.Contains(await engine.LogAsync(ti.Id, 1), line => line.StartsWith("Timed out", StringComparison.Ordinal));
        // On a machine slow enough that the timeout came before the daemon told its pid, its name still finds it.
        await daemon.AssertGoneAsync(engine, mayNotHaveStarted: true);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_daemon_ends_with_a_try_killed_by_a_clear(TaskContainmentMode mode)
    {
        await using var engine = await StartAsync(mode);
        if (engine is null)
        {
            return;
        }

        var daemon = new Daemon();
        var (dagId, runId) = await RunAsync(engine, $"""
            if [ "$TRY_NUMBER" -ge 2 ]; then exit 0; fi
            {daemon.Start}
            sleep 300
            """);
        var pid = await daemon.WaitUntilRunningAsync(engine);
        var ti = await engine.TaskInstanceAsync(dagId, runId, "daemonize");

        // What a clear of a running task does to it; the executor's next heartbeat kills the try.
        await using (var db = engine.CreateContext())
        {
            await db.ExecuteAsync("UPDATE task_instance SET state = 'restarting' WHERE id = @id", CancellationToken.None, P("id", ti.Id));
        }

        await engine.ExecuteUntilAsync(async () => (await engine.TaskInstanceAsync(dagId, runId, "daemonize")).State == TaskInstanceState.UpForRetry);

        Assert.False(ProcessProbe.IsAlive(pid), $"the daemon (pid {pid}) outlived its try");
        await daemon.AssertGoneAsync(engine);
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_daemon_ends_when_the_executor_stops(TaskContainmentMode mode)
    {
        var engine = await StartAsync(mode);
        if (engine is null)
        {
            return;
        }

        var daemon = new Daemon();
        int pid;
        await using (engine)
        {
            await RunAsync(engine, $"{daemon.Start}\nsleep 300");
            pid = await daemon.WaitUntilRunningAsync(engine);
        }

        Assert.False(ProcessProbe.IsAlive(pid), $"the daemon (pid {pid}) outlived the executor");
        Assert.Empty(ProcessProbe.Named(daemon.Name));
    }

    [Fact]
    public async Task What_an_executor_that_died_left_in_its_cgroups_is_killed_when_the_next_one_starts()
    {
        if (!Available(TaskContainmentMode.Cgroup))
        {
            return;
        }

        var deadExecutor = (await ProcessProbe.EndedProcessAsync()).Key;

        string cgroup;
        using (var probe = CgroupContainment.TryCreate(NullLogger.Instance, out _)!)
        {
            cgroup = Path.Combine(Path.GetDirectoryName(probe.Directory)!, $"dashboard-{deadExecutor}-0badc0de", "try-1-1");
        }

        Directory.CreateDirectory(cgroup);
        using var leftover = Process.Start(new ProcessStartInfo("sh", ["-c", "echo $$ > \"$0/cgroup.procs\" && exec sleep 1000", cgroup]) { UseShellExecute = false })!;
        try
        {
            await WaitUntilInAsync(cgroup, leftover);

            using var containment = TaskContainment.Create(TaskContainmentMode.Cgroup, NullLogger.Instance);

            Assert.False(ProcessProbe.IsAlive(leftover.Id), "the leftover should be dead by the time the containment exists");
            Assert.False(Directory.Exists(cgroup), $"the dead executor's cgroup {cgroup} should be removed");
        }
        finally
        {
            if (!leftover.HasExited)
            {
                leftover.Kill();
            }
        }
    }

    [Fact]
    public void The_prctl_system_call_is_known_on_the_architectures_dotnet_runs_on()
    {
        Assert.Equal(157, SubreaperContainment.PrctlSyscall(System.Runtime.InteropServices.Architecture.X64));
        Assert.Equal(167, SubreaperContainment.PrctlSyscall(System.Runtime.InteropServices.Architecture.Arm64));
        Assert.Equal(172, SubreaperContainment.PrctlSyscall(System.Runtime.InteropServices.Architecture.Arm));
    }

    /// <summary>A daemon with a name of its own (argv[0]), so it can be found even before it wrote its pid.</summary>
    private sealed class Daemon
    {
        public string Name { get; } = $"dashboard-test-daemon-{Guid.NewGuid():N}";

        /// <summary>
        /// Shell lines that start the daemon and wait until it runs. A subshell that exits at once
        /// leaves the daemon orphaned, outside the task's process tree, and setsid takes it out of the
        /// task's session. The daemon writes its own pid; the task waits for that before it goes on.
        /// </summary>
        public string Start => $"""
            rm -f "$DASHBOARD_DATA_DIR/{Name}.pid"
            ( setsid nohup bash -c 'echo $$ > "$DASHBOARD_DATA_DIR/{Name}.new"; mv "$DASHBOARD_DATA_DIR/{Name}.new" "$DASHBOARD_DATA_DIR/{Name}.pid"; exec -a {Name} sleep 1000' >/dev/null 2>&1 & )
            while [ ! -s "$DASHBOARD_DATA_DIR/{Name}.pid" ]; do sleep 0.05; done
            """;

        /// <summary>Waits until the daemon runs; returns its pid, after checking that it left the task's session.</summary>
        public async Task<int> WaitUntilRunningAsync(EngineHarness engine)
        {
            await engine.RunUntilAsync(() => Task.FromResult(File.Exists(PidFile(engine))));
            var pid = await PidAsync(engine);
            Assert.Equal(pid, ProcessProbe.SessionOf(pid));
            return pid;
        }

        /// <summary>Gone by the time the try's state changed: the executor reports a try only after its processes ended.</summary>
        public async Task AssertGoneAsync(EngineHarness engine, bool mayNotHaveStarted = false)
        {
            if (!mayNotHaveStarted || File.Exists(PidFile(engine)))
            {
                var pid = await PidAsync(engine);
                Assert.False(ProcessProbe.IsAlive(pid), $"the daemon (pid {pid}) outlived its try");
            }

            Assert.Empty(ProcessProbe.Named(Name));
        }

        private string PidFile(EngineHarness engine) => Path.Combine(engine.DataDirectory, $"{Name}.pid");

        private async Task<int> PidAsync(EngineHarness engine) =>
            int.Parse((await File.ReadAllTextAsync(PidFile(engine))).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<EngineHarness?> StartAsync(TaskContainmentMode mode) =>
        Available(mode)
            ? await EngineHarness.CreateAsync(settings: new Dictionary<string, string?> { ["Executor:Containment"] = mode.ToString() })
            : null;

    /// <summary>
    /// Cgroups need a machine that lets this process make them (root on cgroup v2, or a delegated
    /// subtree); the subreaper needs Linux and perl. Where one is missing its cases have nothing to test.
    /// </summary>
    private static bool Available(TaskContainmentMode mode)
    {
        if (mode == TaskContainmentMode.Cgroup)
        {
            using var cgroups = CgroupContainment.TryCreate(NullLogger.Instance, out _);
            return cgroups is not null;
        }

        using var subreaper = SubreaperContainment.TryCreate(out _);
        return subreaper is not null;
    }

    /// <summary>
    /// Until the shell has moved itself into the cgroup (it then becomes sleep, with the same pid),
    /// or has failed to because another executor starting meanwhile already removed the dead one's cgroups.
    /// </summary>
    private static async Task WaitUntilInAsync(string cgroup, Process process)
    {
        var procs = Path.Combine(cgroup, "cgroup.procs");
        var pid = process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var stopwatch = Stopwatch.StartNew();
        while (!process.HasExited && !(File.Exists(procs) && (await File.ReadAllLinesAsync(procs)).Contains(pid)))
        {
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"process {pid} never entered {cgroup}");
            await Task.Delay(20);
        }
    }

    private static async Task<(string DagId, string RunId)> RunAsync(EngineHarness engine, string command, string? executionTimeout = null)
    {
        var indented = string.Join("\n", command.Split('\n').Select(line => "      " + line));
        var dagId = await engine.AddDagAsync($"""
            dag_id: contained
            schedule: null
            tasks:
              - id: daemonize
                retries: 0
                {(executionTimeout is null ? "" : $"execution_timeout: {executionTimeout}")}
                command: |
            {indented}
            """);
        return (dagId, await engine.TriggerAsync(dagId));
    }
}
