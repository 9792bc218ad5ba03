using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Dashboard.Core.Connections;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Observability;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Scheduler.Execution.Containment;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Scheduler.Execution;

/// <summary>
/// Runs scheduled tries as local processes, up to <see cref="ExecutorOptions.Parallelism"/> at once.
/// It claims work with SKIP LOCKED, so several executors share one queue, and moves a try forward
/// only while the try is still its own: a try someone cleared or marked is killed, and its result dropped.
/// </summary>
public sealed class LocalExecutor(
    IDbContextFactory<DashboardDbContext> dbFactory,
    DagVersionCache versions,
    ConfigLookup configLookup,
    TaskLogWriter logWriter,
    EngineSignals signals,
    NotificationRoutes routes,
    IOptions<ExecutorOptions> options,
    IOptions<DagFileOptions> dagOptions,
    TaskContainment containment,
    DashboardMetrics metrics,
    TimeProvider clock,
    ILogger<LocalExecutor> logger)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Heartbeats keep their tries alive only if they arrive within the heartbeat timeout (60 s by
    /// default), so their retries back off to this and no further.
    /// </summary>
    private static readonly TimeSpan MaxHeartbeatRetryDelay = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<ClaimedTry, RunningTry> running = new();

    /// <summary>
    /// host:process:random. Unique per executor, so a restarted app never mistakes its predecessor's
    /// tries for its own; the process part lets another instance on this host see that it is gone
    /// (<see cref="ExecutorIdentity"/>).
    /// </summary>
    public string ExecutorId { get; } = ExecutorIdentity.NewId();

    public int RunningCount => running.Count;

    public async Task RunAsync(CancellationToken stopping)
    {
        Directory.CreateDirectory(DataDirectory);
        metrics.ExecutorStarted(options.Value.Parallelism);
        var heartbeats = HeartbeatLoopAsync(stopping);
        var failures = new FailureBackoff(logger, "Claiming tries to run", PollInterval, MaxRetryDelay);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var wait = PollInterval;
                try
                {
                    var claimed = await ClaimAndStartAsync(stopping);
                    failures.Succeeded();
                    wait = claimed == 0 || running.Count >= options.Value.Parallelism ? PollInterval : TimeSpan.Zero;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    wait = failures.Failed(e); // a lost database, say: the tries already running carry on
                }

                if (wait > TimeSpan.Zero)
                {
                    await signals.Executor.WaitAsync(wait, stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            await InterruptAllAsync();
            await heartbeats;
        }
    }

    /// <summary>Claims as many tries as there are free slots and starts them; returns how many.</summary>
    public async Task<int> ClaimAndStartAsync(CancellationToken ct)
    {
        var free = options.Value.Parallelism - running.Count;
        if (free <= 0)
        {
            return 0;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var claims = await TaskInstanceTransitions.ClaimAsync(db, ExecutorId, Environment.MachineName, free, clock.GetUtcNow(), ct);
        if (claims.Count == 0)
        {
            return 0;
        }

        foreach (var work in await LoadWorkAsync(db, claims, ct))
        {
            var attempt = new RunningTry(work);
            running[work.Try] = attempt;
            metrics.ExecutorSlotTaken();
            attempt.Completion = Task.Run(() => RunTryAsync(attempt), CancellationToken.None);
        }

        return claims.Count;
    }

    private string DataDirectory => Path.GetFullPath(options.Value.DataDirectory);

    private async Task RunTryAsync(RunningTry attempt)
    {
        var work = attempt.Work;
        // A root span of its own: the try outlives whatever claimed it.
        Activity.Current = null;
        using var activity = DashboardActivities.Source.StartActivity("task try")?
            .SetTag("dag_id", work.DagId).SetTag("task_id", work.TaskId).SetTag("run_id", work.RunId).SetTag("try_number", work.Try.TryNumber);
        try
        {
            var startedAt = clock.GetUtcNow();
            await using (var db = await dbFactory.CreateDbContextAsync())
            {
                if (!await TaskInstanceTransitions.StartAsync(db, work.Try, ExecutorId, startedAt, CancellationToken.None))
                {
                    activity?.SetTag("outcome", "not_started");
                    return; // Cleared or marked between claim and start: nothing to run.
                }
            }

            var outcome = await ExecuteAsync(attempt);
            await logWriter.FlushAsync();
            await using (var db = await dbFactory.CreateDbContextAsync())
            {
                var finishedAt = clock.GetUtcNow();
                var state = await TaskInstanceTransitions.FinishTryAsync(
                    db, work.Try, ExecutorId, outcome, work.RetryDelay, routes, finishedAt, CancellationToken.None);
                activity?.SetTag("outcome", SnakeCase.ToSnakeCase(outcome)).SetTag("state", state is null ? "dropped" : SnakeCase.ToSnakeCase(state.Value));
                if (state is { } finished)
                {
                    // The same duration the row now holds (end_date - start_date).
                    metrics.TryFinished(work.DagId, finished, finishedAt - startedAt);
                    if (finished != TaskInstanceState.Success)
                    {
                        activity?.SetStatus(ActivityStatusCode.Error);
                    }
                }
                else
                {
                    logger.LogInformation("Try {Try} of {Dag}.{Task} ended after its task instance was changed; its result is dropped",
                        work.Try.TryNumber, work.DagId, work.TaskId);
                }
            }
        }
        catch (Exception e) when (DashboardDatabase.IsUnavailable(e))
        {
            // The heartbeat stops with the try, so recovery retries or fails it; the executor itself carries on.
            activity?.AddException(e).SetStatus(ActivityStatusCode.Error);
            logger.LogWarning("Try {Try} of {Dag}.{Task} could not be completed, the database cannot be reached ({Reason})",
                work.Try.TryNumber, work.DagId, work.TaskId, DashboardDatabase.Reason(e));
        }
        catch (Exception e)
        {
            activity?.AddException(e).SetStatus(ActivityStatusCode.Error);
            logger.LogError(e, "Try {Try} of {Dag}.{Task} could not be completed", work.Try.TryNumber, work.DagId, work.TaskId);
        }
        finally
        {
            running.TryRemove(work.Try, out _);
            metrics.ExecutorSlotFreed();
            signals.Scheduler.Pulse();
            signals.Executor.Pulse();
        }
    }

    private async Task<TryOutcome> ExecuteAsync(RunningTry attempt)
    {
        var work = attempt.Work;
        var (connIds, variableKeys) = TaskTemplate.References(work.Env.Values.Prepend(work.Command ?? ""));
        var config = connIds.Count + variableKeys.Count == 0
            ? TryConfig.Empty
            : await configLookup.LoadAsync(connIds, variableKeys, CancellationToken.None);
        var masker = config.Masker();
        var log = new TryLog(logWriter, work.Try, options.Value.MaxLogLinesPerTry, options.Value.MaxLogLineLength, masker);
        var context = new TemplateContext(work.DagId, work.TaskId, work.RunId, work.Try.TryNumber, work.LogicalDate,
            work.DataIntervalStart, work.DataIntervalEnd, work.Params) { Config = config };
        var template = TaskTemplate.Render(work.Command ?? "", context);
        var environment = new Dictionary<string, string>(TaskTemplate.EnvironmentVariables(context)) { ["DASHBOARD_DATA_DIR"] = DataDirectory };
        var errors = config.Problems.Concat(template.Errors).ToList();
        foreach (var (name, value) in work.Env)
        {
            var rendered = TaskTemplate.Render(value, context);
            environment[name] = rendered.Command;
            errors.AddRange(rendered.Errors.Select(e => $"env {name}: {e}"));
        }

        if (errors.Count > 0)
        {
            errors.Distinct().ToList().ForEach(e => log.System($"Template error: {e}"));
            log.System("The command was not run.");
            log.Complete();
            return TryOutcome.Failed;
        }

        var version = work.VersionNumber is { } number ? $", DAG version v{number}" : "";
        log.System($"Try {work.Try.TryNumber} of {work.DagId}.{work.TaskId} ({work.RunId}{version}) on {Environment.MachineName}");
        var shownCommand = masker.Apply(template.Command);
        log.System($"Command: {shownCommand}");
        var started = clock.GetUtcNow();
        using var timeout = work.ExecutionTimeout is { } limit ? new CancellationTokenSource(limit) : new CancellationTokenSource();
        using var kill = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, attempt.Kill.Token);

        int exitCode;
        await using (var process = TaskProcess.Start(template.Command, dagOptions.Value.FullFolderPath, environment, containment.Open(work.Try)))
        {
            await using (var db = await dbFactory.CreateDbContextAsync())
            {
                await TaskInstanceTransitions.RecordProcessAsync(db, work.Try, ExecutorId, process.Pid, shownCommand, CancellationToken.None);
            }

            exitCode = await process.RunAsync(line => log.Line(LogStream.Stdout, line), line => log.Line(LogStream.Stderr, line), kill.Token);
        }

        var elapsed = (clock.GetUtcNow() - started).TotalSeconds;
        TryOutcome outcome;
        if (attempt.KillReason is { } reason)
        {
            log.System($"Killed after {elapsed:0.##} s: {reason}");
            outcome = attempt.Interrupted ? TryOutcome.Interrupted : TryOutcome.Failed;
        }
        else if (timeout.IsCancellationRequested)
        {
            log.System($"Timed out: the execution_timeout of {work.ExecutionTimeout!.Value.TotalSeconds:0.##} s passed; its process tree was killed.");
            outcome = TryOutcome.Failed;
        }
        else
        {
            log.System($"Exited with code {exitCode} after {elapsed:0.##} s");
            outcome = exitCode == 0 ? TryOutcome.Succeeded : TryOutcome.Failed;
        }

        log.Complete();
        return outcome;
    }

    /// <summary>
    /// Renews this executor's claim on its tries, and kills those whose task instance moved on
    /// without it: cleared while running (restarting), or cleared or marked by someone else.
    /// </summary>
    private async Task HeartbeatLoopAsync(CancellationToken stopping)
    {
        var interval = options.Value.HeartbeatInterval;
        var failures = new FailureBackoff(logger, "The heartbeat of running tries", interval, interval > MaxHeartbeatRetryDelay ? interval : MaxHeartbeatRetryDelay);
        var wait = interval;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(wait, clock, stopping);
                await HeartbeatAsync(stopping);
                failures.Succeeded();
                wait = interval;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                wait = failures.Failed(e);
            }
        }
    }

    public async Task HeartbeatAsync(CancellationToken ct)
    {
        var mine = running.Keys.ToList();
        if (mine.Count == 0)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var current = await TaskInstanceTransitions.HeartbeatAsync(db, ExecutorId, mine.Select(t => t.Id).ToList(), clock.GetUtcNow(), ct);
        foreach (var attempt in mine)
        {
            if (!running.TryGetValue(attempt, out var tracked) || !tracked.Started)
            {
                continue;
            }

            if (!current.TryGetValue(attempt, out var state))
            {
                tracked.RequestKill("the task instance was cleared or marked while this try ran", interrupted: false);
            }
            else if (state == TaskInstanceState.Restarting)
            {
                tracked.RequestKill("the task instance was cleared while running; it will run again", interrupted: true);
            }
        }
    }

    /// <summary>On shutdown: stop every try and hand it back to be retried, so no attempt is lost to a restart.</summary>
    private async Task InterruptAllAsync()
    {
        foreach (var attempt in running.Values)
        {
            attempt.RequestKill("the app is shutting down; the task will be retried", interrupted: true);
        }

        await Task.WhenAll(running.Values.Select(a => a.Completion ?? Task.CompletedTask));
    }

    /// <summary>What the claimed tries need, with each task as the version its try runs defines it (<see cref="TaskInstance.DagVersionId"/>).</summary>
    private async Task<List<TryWork>> LoadWorkAsync(DashboardDbContext db, List<ClaimedTry> claims, CancellationToken ct)
    {
        var tries = claims.ToDictionary(c => c.Id, c => c.TryNumber);
        var rows = await db.QueryAsync("""
            SELECT ti.id, ti.dag_id, ti.task_id, r.run_id, r.logical_date, r.data_interval_start, r.data_interval_end,
                   r.conf, coalesce(ti.dag_version_id, r.dag_version_id)
            FROM task_instance ti
            JOIN dag_run r ON r.id = ti.dag_run_id
            WHERE ti.id = ANY(@ids)
            """, r => (Id: r.GetInt64(0), DagId: r.GetString(1), TaskId: r.GetString(2), RunId: r.GetString(3),
                LogicalDate: r.NullableField<DateTimeOffset?>(4), Start: r.NullableField<DateTimeOffset?>(5), End: r.NullableField<DateTimeOffset?>(6),
                Conf: r.GetString(7), Version: r.NullableField<int?>(8)),
            ct, P("ids", tries.Keys.ToArray()));
        var models = await versions.GetAsync(db, rows.Select(r => r.Version).OfType<int>(), ct);
        return rows.Select(r =>
        {
            // A task its version does not have fails its try with "no command", like one without a command.
            var model = r.Version is { } version ? models[version] : null;
            var task = model?.Task(r.TaskId);
            // The run's conf overrides the params of its version and adds its own.
            var values = (model?.Params ?? DagParams.None).WithDefaults(JsonNode.Parse(r.Conf) as JsonObject ?? []);
            return new TryWork(new ClaimedTry(r.Id, tries[r.Id]), r.DagId, r.TaskId, r.RunId, r.LogicalDate, r.Start, r.End, values,
                task?.Command, task?.Env ?? new Dictionary<string, string>(), task?.ExecutionTimeout, task?.RetryDelay ?? TimeSpan.Zero,
                model?.Number);
        }).ToList();
    }

    private sealed class RunningTry(TryWork work)
    {
        public TryWork Work { get; } = work;

        public CancellationTokenSource Kill { get; } = new();

        public Task? Completion { get; set; }

        public bool Started => Completion is not null;

        public string? KillReason { get; private set; }

        /// <summary>Stopped for reasons other than its own failure: retried whatever its retries.</summary>
        public bool Interrupted { get; private set; }

        public void RequestKill(string reason, bool interrupted)
        {
            if (KillReason is null)
            {
                KillReason = reason;
                Interrupted = interrupted;
                Kill.Cancel();
            }
        }
    }
}

/// <summary>Everything one try needs to run.</summary>
public sealed record TryWork(
    ClaimedTry Try,
    string DagId,
    string TaskId,
    string RunId,
    DateTimeOffset? LogicalDate,
    DateTimeOffset? DataIntervalStart,
    DateTimeOffset? DataIntervalEnd,
    JsonObject Params,
    string? Command,
    IReadOnlyDictionary<string, string> Env,
    TimeSpan? ExecutionTimeout,
    TimeSpan RetryDelay,
    int? VersionNumber);
