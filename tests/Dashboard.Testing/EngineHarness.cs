using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Dashboard.Core;
using Dashboard.Core.Connections;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Notifications;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Scheduler;
using Dashboard.Scheduler.DagFiles;
using Dashboard.Scheduler.Execution;
using Dashboard.Scheduler.Hosting;
using Dashboard.Scheduler.Notifications;
using Dashboard.Scheduler.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dashboard.Testing;

/// <summary>
/// One engine instance (DAG-file processor, scheduler, local executor) on a fresh database and a
/// scratch DAG folder, with none of its hosted services started: a test drives the passes itself
/// (<see cref="StepAsync"/>, <see cref="RunUntilAsync"/>), or starts the real loops where it needs
/// real concurrency (<see cref="StartLoopsAsync"/>). "Now" is a <see cref="TestClock"/>.
/// </summary>
public sealed partial class EngineHarness : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly ServiceProvider _services;
    private readonly List<IHostedService> _loops = [];
    private readonly CancellationTokenSource _stopListening = new();
    private readonly IReadOnlyDictionary<string, string?>? _settings;
    private Task? _listening;

    private EngineHarness(
        string connectionString, string dagFolder, string dataDirectory, TestClock clock, int parallelism, ITestOutputHelper? output,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        ConnectionString = connectionString;
        _settings = settings;
        DagFolder = dagFolder;
        DataDirectory = dataDirectory;
        Clock = clock;
        Log = new RecordingLoggerProvider(output);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dags:Folder"] = dagFolder,
            ["Scheduler:Enabled"] = "false", // no hosted services: the test drives the engine
            ["Scheduler:LoopInterval"] = "00:00:00.050",
            ["Scheduler:TaskHeartbeatTimeout"] = "00:00:05",
            ["Executor:Enabled"] = "false",
            ["Executor:Parallelism"] = parallelism.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Executor:HeartbeatInterval"] = "00:00:00.200",
            ["Executor:DataDirectory"] = dataDirectory,
        }).AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();

        _services = new ServiceCollection()
            .AddLogging(logging => logging.AddFilter("Microsoft", LogLevel.Warning).AddProvider(Log))
            .AddDashboardCore(connectionString)
            .AddDashboardScheduler(configuration)
            .AddSingleton<TimeProvider>(clock)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public string ConnectionString { get; }

    /// <summary>Where the test writes DAG files; tasks run with it as their working directory.</summary>
    public string DagFolder { get; }

    /// <summary>The executor's data directory, handed to tasks as DASHBOARD_DATA_DIR.</summary>
    public string DataDirectory { get; }

    public TestClock Clock { get; }

    /// <summary>The warnings and errors this engine logged.</summary>
    public RecordingLoggerProvider Log { get; }

    public IServiceProvider Services => _services;

    public DagFileProcessor DagFiles => _services.GetRequiredService<DagFileProcessor>();

    public SchedulerLoop Scheduler => _services.GetRequiredService<SchedulerLoop>();

    public LocalExecutor Executor => _services.GetRequiredService<LocalExecutor>();

    public ChangeNotifier Notifier => _services.GetRequiredService<ChangeNotifier>();

    /// <summary>This instance's notification delivery worker, which a test drives like the scheduler.</summary>
    public DeliveryWorker Deliveries => _services.GetRequiredService<DeliveryWorker>();

    /// <summary>A fresh database and scratch folders; <paramref name="settings"/> override the harness's configuration.</summary>
    public static async Task<EngineHarness> CreateAsync(
        int parallelism = 4, ITestOutputHelper? output = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var root = TestPostgres.ScratchDirectory("engine");
        var dags = Directory.CreateDirectory(Path.Combine(root, "dags")).FullName;
        var data = Directory.CreateDirectory(Path.Combine(root, "data")).FullName;
        return new EngineHarness(connectionString, dags, data, new TestClock(), parallelism, output, settings);
    }

    /// <summary>Another complete engine on the same database, DAG folder, data directory, clock and settings, as a second app instance.</summary>
    public EngineHarness AddInstance(int parallelism = 4, ITestOutputHelper? output = null) =>
        new(ConnectionString, DagFolder, DataDirectory, Clock, parallelism, output, _settings);

    public DashboardDbContext CreateContext() => _services.GetRequiredService<IDbContextFactory<DashboardDbContext>>().CreateDbContext();

    // ---- DAG files ----

    public void WriteDagFile(string fileName, string yaml) => File.WriteAllText(Path.Combine(DagFolder, fileName), yaml);

    public void DeleteDagFile(string fileName) => File.Delete(Path.Combine(DagFolder, fileName));

    public Task<FolderResult> ProcessDagFilesAsync() => DagFiles.ProcessFolderAsync(CancellationToken.None);

    /// <summary>Writes the DAG to <c>{dag_id}.yaml</c>, loads the folder (failing on any import error) and, by default, unpauses it.</summary>
    /// <returns>The DAG's id.</returns>
    public async Task<string> AddDagAsync(string yaml, bool unpause = true)
    {
        var dagId = DagIdLine().Match(yaml) is { Success: true } match
            ? match.Groups[1].Value
            : throw new ArgumentException("The DAG file has no 'dag_id:' line.", nameof(yaml));
        WriteDagFile($"{dagId}.yaml", yaml);
        await ProcessDagFilesAsync();

        await using var db = CreateContext();
        var errors = await db.ImportErrors.Select(e => $"{e.FileLocation}:{e.Line}: {e.Message}").ToListAsync();
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"The DAG file has import errors:\n{string.Join("\n", errors)}");
        }

        if (unpause)
        {
            await UnpauseAsync(dagId);
        }

        return dagId;
    }

    /// <summary>
    /// A warehouse of its own and the <c>warehouse</c> connection to it, saved as a person would
    /// (the example taxi_pipeline loads it); returns the warehouse.
    /// </summary>
    public async Task<TestWarehouse> AddWarehouseAsync()
    {
        var warehouse = await TestWarehouse.CreateAsync();
        await _services.GetRequiredService<ConnectionService>().SaveAsync(Actors.Admin("setup"),
            new ConnectionEdit("warehouse", warehouse.Fields, SecretChange.Set(warehouse.Password), SaveMode.Create));
        return warehouse;
    }

    /// <summary>Copies shipped example DAGs (by id) into the DAG folder, with every example script they may call.</summary>
    public void CopyExampleDags(params string[] dagIds)
    {
        var examples = Path.Combine(RepositoryLayout.Root, "dags");
        foreach (var dagId in dagIds)
        {
            File.Copy(Path.Combine(examples, dagId + ".yaml"), Path.Combine(DagFolder, dagId + ".yaml"), overwrite: true);
        }

        foreach (var script in Directory.GetFiles(Path.Combine(examples, "scripts"), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(DagFolder, Path.GetRelativePath(examples, script));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(script, target, overwrite: true);
        }
    }

    // ---- DAGs and runs ----

    public Task UnpauseAsync(string dagId) => SetPausedAsync(dagId, paused: false);

    public Task PauseAsync(string dagId) => SetPausedAsync(dagId, paused: true);

    /// <summary>A manual run without a logical date, as the trigger button makes; returns its run id.</summary>
    public async Task<string> TriggerAsync(string dagId, string conf = "{}")
    {
        var now = Clock.GetUtcNow();
        var runId = $"manual__{now:yyyy-MM-dd'T'HH:mm:ss.ffffff}+00:00_{Guid.NewGuid().ToString("N")[..8]}";
        await CreateRunsAsync(dagId, new NewDagRun(runId, DagRunType.Manual, null, null, now, DagRunTriggeredBy.Test, conf));
        return runId;
    }

    /// <summary>A run of the given type covering <paramref name="interval"/>, startable at once.</summary>
    public static NewDagRun RunFor(DagRunType type, DataInterval interval, int? backfillId = null) => new(
        NewDagRun.RunIdFor(type, interval.Start), type, interval.Start, interval, interval.End,
        type == DagRunType.Backfill ? DagRunTriggeredBy.Backfill : DagRunTriggeredBy.Test, BackfillId: backfillId);

    /// <summary>Creates runs with the DAG's current version through <see cref="DagRunCreation"/>; returns their ids by run id.</summary>
    public async Task<Dictionary<string, long>> CreateRunsAsync(string dagId, params NewDagRun[] runs)
    {
        await using var db = CreateContext();
        var versionId = await db.Dags.Where(d => d.DagId == dagId).Select(d => d.CurrentVersionId).SingleAsync()
                        ?? throw new InvalidOperationException($"DAG {dagId} has no version.");
        var created = await DagRunCreation.CreateAsync(db, dagId, versionId, runs, Clock.GetUtcNow(), CancellationToken.None);
        if (created.Count != runs.Length)
        {
            throw new InvalidOperationException($"Only {created.Count} of {runs.Length} runs were created.");
        }

        return created;
    }

    /// <summary>
    /// A backfill row and its runs, one per interval, with sort ordinals in the order given (so a
    /// reversed list is a backwards backfill); returns the backfill's id.
    /// </summary>
    public async Task<int> AddBackfillAsync(string dagId, IReadOnlyList<DataInterval> intervals, int maxActiveRuns, bool paused = false)
    {
        var now = Clock.GetUtcNow();
        await using var db = CreateContext();
        var backfill = new Backfill
        {
            DagId = dagId,
            FromDate = intervals.Min(i => i.Start),
            ToDate = intervals.Max(i => i.Start),
            MaxActiveRuns = maxActiveRuns,
            IsPaused = paused,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Backfills.Add(backfill);
        await db.SaveChangesAsync();

        var runIds = await CreateRunsAsync(dagId, intervals.Select(i => RunFor(DagRunType.Backfill, i, backfill.Id)).ToArray());
        db.BackfillDagRuns.AddRange(intervals.Select((interval, index) => new BackfillDagRun
        {
            BackfillId = backfill.Id,
            DagRunId = runIds[NewDagRun.RunIdFor(DagRunType.Backfill, interval.Start)],
            LogicalDate = interval.Start,
            SortOrdinal = index + 1,
        }));
        await db.SaveChangesAsync();
        return backfill.Id;
    }

    // ---- Driving the engine ----

    /// <summary>One round: a scheduler pass, then the executor claims what it can and renews its tries' heartbeats.</summary>
    public async Task StepAsync()
    {
        await Scheduler.RunOnceAsync(CancellationToken.None);
        await Executor.ClaimAndStartAsync(CancellationToken.None);
        await Executor.HeartbeatAsync(CancellationToken.None);
    }

    /// <summary>
    /// Steps until <paramref name="done"/> holds, waking early whenever a try finishes. Fails with
    /// every run's task states and the engine's logged problems when it does not happen in time.
    /// </summary>
    public Task RunUntilAsync(Func<Task<bool>> done, TimeSpan? timeout = null) => LoopUntilAsync(StepAsync, done, timeout);

    /// <summary>Like <see cref="RunUntilAsync"/>, but only the executor works: no scheduler pass moves anything on.</summary>
    public Task ExecuteUntilAsync(Func<Task<bool>> done, TimeSpan? timeout = null) => LoopUntilAsync(async () =>
    {
        await Executor.ClaimAndStartAsync(CancellationToken.None);
        await Executor.HeartbeatAsync(CancellationToken.None);
    }, done, timeout);

    /// <summary>Runs until the DAG has at least <paramref name="runs"/> runs and all of them have finished.</summary>
    public Task RunUntilRunsFinishedAsync(string dagId, int runs = 1, TimeSpan? timeout = null) => RunUntilAsync(async () =>
    {
        var states = await StatesAsync(dagId);
        return states.Count >= runs && states.All(r => r.State.IsFinished());
    }, timeout);

    /// <summary>Runs until the task instance is in <paramref name="state"/>.</summary>
    public Task RunUntilTaskStateAsync(string dagId, string runId, string taskId, TaskInstanceState? state, TimeSpan? timeout = null) =>
        RunUntilAsync(async () => (await TaskInstanceAsync(dagId, runId, taskId)).State == state, timeout);

    /// <summary>Polls, without driving anything, until <paramref name="done"/> holds: for when the real loops run (<see cref="StartLoopsAsync"/>).</summary>
    public Task WaitUntilAsync(Func<Task<bool>> done, TimeSpan? timeout = null) =>
        LoopUntilAsync(() => Task.Delay(TimeSpan.FromMilliseconds(100)), done, timeout, wakeOnTryEnd: false);

    /// <summary>
    /// Starts the real scheduler and executor loops (the app's hosted services) in the background;
    /// they stop when the harness is disposed, or earlier with <see cref="StopLoopsAsync"/>.
    /// </summary>
    public async Task StartLoopsAsync()
    {
        IHostedService[] loops =
        [
            ActivatorUtilities.CreateInstance<SchedulerService>(_services),
            ActivatorUtilities.CreateInstance<ExecutorService>(_services),
        ];
        foreach (var loop in loops)
        {
            await loop.StartAsync(CancellationToken.None);
            _loops.Add(loop);
        }
    }

    /// <summary>
    /// Starts this instance's change listener in the background, as the web app does, and returns
    /// once it listens (see <see cref="RecordedChanges.WaitUntilListeningAsync"/>); it stops when the
    /// harness is disposed.
    /// </summary>
    public async Task StartListeningAsync()
    {
        _listening = _services.GetRequiredService<PostgresChangeListener>().RunAsync(_stopListening.Token);
        await RecordedChanges.WaitUntilListeningAsync(Notifier, ConnectionString);
    }

    public async Task StopLoopsAsync()
    {
        foreach (var loop in _loops)
        {
            await loop.StopAsync(CancellationToken.None);
            (loop as IDisposable)?.Dispose();
        }

        _loops.Clear();
    }

    // ---- Reading ----

    /// <summary>Today's midnight, UTC, by the test clock: where daily intervals begin.</summary>
    public DateTimeOffset Today => new(Clock.GetUtcNow().UtcDateTime.Date, TimeSpan.Zero);

    /// <summary>The DAG's runs, oldest logical date first (runs without one last, in creation order).</summary>
    public async Task<IReadOnlyList<DagRun>> RunsAsync(string dagId)
    {
        await using var db = CreateContext();
        return await db.DagRuns.AsNoTracking().Where(r => r.DagId == dagId)
            .OrderBy(r => r.LogicalDate == null).ThenBy(r => r.LogicalDate).ThenBy(r => r.RunAfter).ThenBy(r => r.Id)
            .ToListAsync();
    }

    /// <summary>Every run of the DAG with its task states, in the order of <see cref="RunsAsync"/>.</summary>
    public async Task<IReadOnlyList<RunStates>> StatesAsync(string dagId)
    {
        var runs = await RunsAsync(dagId);
        await using var db = CreateContext();
        var taskInstances = (await db.TaskInstances.AsNoTracking().Where(t => t.DagId == dagId).ToListAsync())
            .ToLookup(t => t.DagRunId);
        return runs.Select(r => new RunStates(
                r.RunId, r.RunType, r.LogicalDate, r.State,
                taskInstances[r.Id].ToDictionary(t => t.TaskId, t => t.State, StringComparer.Ordinal)))
            .ToList();
    }

    /// <summary>One task's instances, one per run, in the order of <see cref="RunsAsync"/>.</summary>
    public async Task<IReadOnlyList<TaskInstance>> TaskInstancesAsync(string dagId, string taskId)
    {
        var runs = await RunsAsync(dagId);
        await using var db = CreateContext();
        var byRun = await db.TaskInstances.AsNoTracking().Where(t => t.DagId == dagId && t.TaskId == taskId).ToDictionaryAsync(t => t.DagRunId);
        return runs.Where(r => byRun.ContainsKey(r.Id)).Select(r => byRun[r.Id]).ToList();
    }

    /// <summary>The archived tries of one task instance, oldest first.</summary>
    public async Task<IReadOnlyList<TaskInstanceHistory>> HistoryAsync(long taskInstanceId)
    {
        await using var db = CreateContext();
        return await db.TaskInstanceHistory.AsNoTracking().Where(h => h.TaskInstanceId == taskInstanceId).OrderBy(h => h.TryNumber).ToListAsync();
    }

    public async Task<TaskInstance> TaskInstanceAsync(string dagId, string runId, string taskId)
    {
        await using var db = CreateContext();
        return await db.TaskInstances.AsNoTracking()
            .Where(t => t.DagId == dagId && t.TaskId == taskId)
            .Join(db.DagRuns.Where(r => r.RunId == runId), t => t.DagRunId, r => r.Id, (t, _) => t)
            .SingleAsync();
    }

    /// <summary>The stored log lines of one try (waiting for lines still on their way to the database).</summary>
    public async Task<IReadOnlyList<string>> LogAsync(long taskInstanceId, int tryNumber)
    {
        await _services.GetRequiredService<TaskLogWriter>().FlushAsync();
        await using var db = CreateContext();
        return await db.TaskLogs.Where(l => l.TaskInstanceId == taskInstanceId && l.TryNumber == tryNumber)
            .OrderBy(l => l.Id).Select(l => l.Line).ToListAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopLoopsAsync();
        await _stopListening.CancelAsync();
        if (_listening is not null)
        {
            await _listening;
        }

        _stopListening.Dispose();

        // A run with an already-cancelled token only does its shutdown: every try still running is killed and handed back.
        await Executor.RunAsync(new CancellationToken(canceled: true));
        await _services.DisposeAsync();
        TestPostgres.ReleaseConnections(ConnectionString);
    }

    private async Task LoopUntilAsync(Func<Task> step, Func<Task<bool>> done, TimeSpan? timeout, bool wakeOnTryEnd = true)
    {
        var signals = _services.GetRequiredService<EngineSignals>();
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            await step();
            if (await done())
            {
                return;
            }

            if (stopwatch.Elapsed > (timeout ?? DefaultTimeout))
            {
                throw new TimeoutException($"The condition did not hold within {stopwatch.Elapsed.TotalSeconds:0.#} s.\n{await DescribeAsync()}");
            }

            // The executor pulses the scheduler whenever a try ends: that is when there is something new to do.
            // (Not while the real scheduler loop runs: the pulse is its wake-up, not ours.)
            if (wakeOnTryEnd)
            {
                await signals.Scheduler.WaitAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None);
            }
        }
    }

    private async Task<string> DescribeAsync()
    {
        var text = new StringBuilder();
        await using var db = CreateContext();
        foreach (var dagId in await db.Dags.Select(d => d.DagId).OrderBy(d => d).ToListAsync())
        {
            foreach (var run in await StatesAsync(dagId))
            {
                text.AppendLine($"{dagId} {run.RunId} {run.State}: {string.Join(", ", run.Tasks.Select(t => $"{t.Key}={t.Value?.ToString() ?? "none"}"))}");
            }
        }

        text.AppendLine("Logged problems:");
        foreach (var problem in Log.Problems)
        {
            text.AppendLine(problem.ToString());
        }

        return text.ToString();
    }

    private async Task SetPausedAsync(string dagId, bool paused)
    {
        await using var db = CreateContext();
        if (await db.Dags.Where(d => d.DagId == dagId).ExecuteUpdateAsync(s => s.SetProperty(d => d.IsPaused, paused)) != 1)
        {
            throw new InvalidOperationException($"There is no DAG {dagId}.");
        }
    }

    [GeneratedRegex(@"^dag_id:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex DagIdLine();
}

/// <summary>One run and the state of each of its task instances (null: no state yet).</summary>
public sealed record RunStates(
    string RunId, DagRunType RunType, DateTimeOffset? LogicalDate, DagRunState State, IReadOnlyDictionary<string, TaskInstanceState?> Tasks)
{
    public TaskInstanceState? this[string taskId] => Tasks[taskId];
}
