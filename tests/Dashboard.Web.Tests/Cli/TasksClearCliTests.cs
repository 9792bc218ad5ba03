using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Testing;
using Dashboard.Web.Cli;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Web.Tests.Cli;

/// <summary>
/// <c>tasks clear</c> on three daily runs of extract → transform → load: the first two succeeded,
/// the third failed in transform (so load is upstream_failed).
/// </summary>
public sealed class TasksClearCliTests : IAsyncLifetime
{
    private const string Dag = """
        dag_id: daily
        schedule: "@daily"
        start_date: 2024-01-01
        tasks:
          - {id: extract, kind: empty}
          - {id: transform, kind: empty, upstream: extract}
          - {id: load, kind: empty, upstream: transform}

        """;

    private static readonly DateTimeOffset FirstDay = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private EngineHarness _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        await _engine.AddDagAsync(Dag, unpause: false);
        await _engine.CreateRunsAsync("daily", [.. Enumerable.Range(0, 3).Select(d =>
            EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(FirstDay.AddDays(d), FirstDay.AddDays(d + 1))))]);
        await SetAsync("UPDATE dag_run SET state = 'success'");
        await SetAsync("UPDATE task_instance SET state = 'success', try_number = 1");
        await SetAsync("UPDATE dag_run SET state = 'failed' WHERE run_id = @run", P("run", RunId(2)));
        await SetAsync("""
            UPDATE task_instance SET state = CASE task_id WHEN 'transform' THEN 'failed' WHEN 'load' THEN 'upstream_failed' ELSE state END
            WHERE dag_run_id = (SELECT id FROM dag_run WHERE run_id = @run)
            """, P("run", RunId(2)));
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task A_dry_run_prints_what_would_be_cleared_and_clears_nothing()
    {
        var outcome = await RunAsync(["tasks", "clear", "--dag-id", "daily", "--task-regex", "^transform$", "--downstream", "--dry-run"]);

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal(["RUN", "TASK", "STATE"], outcome.OutLines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(
            [
                $"{RunId(0)} transform success", $"{RunId(0)} load success",
                $"{RunId(1)} transform success", $"{RunId(1)} load success",
                $"{RunId(2)} transform failed", $"{RunId(2)} load upstream_failed",
            ],
            outcome.OutLines[2..^1].Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
        Assert.Equal("6 task instances to clear.", outcome.OutLines[^1]);
        Assert.Equal(0, await ClearedCountAsync());
    }

    [Fact]
    public async Task After_a_file_change_the_runs_move_to_the_current_version_unless_keep_version_is_given()
    {
        await _engine.AddDagAsync(Dag + "  - {id: notify, kind: empty, upstream: load}\n", unpause: false);

        var dryRun = await RunAsync(["tasks", "clear", "daily", "-t", "^transform$", "-s", "2024-01-03", "--dry-run"]);
        var kept = await RunAsync(["tasks", "clear", "daily", "-t", "^transform$", "-s", "2024-01-03", "--keep-version", "-y"]);

        Assert.Equal(ExitCodes.Success, dryRun.ExitCode);
        Assert.Contains("Moving 1 run to the DAG's current version, v2 (--keep-version keeps them where they are):", dryRun.OutLines);
        Assert.Contains($"{RunId(2)}: v1 → v2; adds notify", dryRun.OutLines.Select(l => l.Trim()));
        Assert.Equal(ExitCodes.Success, kept.ExitCode);
        Assert.Contains("Keeping the DAG version of 1 run not on the current version, v2 (--keep-version).", kept.OutLines);
        await using var db = _engine.CreateContext();
        var run = await db.DagRuns.SingleAsync(r => r.RunId == RunId(2));
        Assert.Equal(1, await db.DagVersions.Where(v => v.Id == run.DagVersionId).Select(v => v.VersionNumber).SingleAsync());
        Assert.False(await db.TaskInstances.AnyAsync(t => t.TaskId == "notify"));
    }

    [Fact]
    public async Task With_yes_the_failed_instances_in_the_date_range_are_cleared_and_audited_for_the_os_user()
    {
        var outcome = await RunAsync(["tasks", "clear", "daily", "-s", "2024-01-02", "-e", "2024-01-03", "--only-failed", "-y"]);

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal("", outcome.Error);
        Assert.Equal("2 task instances to clear.", outcome.OutLines[^2]);
        Assert.Equal("Cleared 2 task instances; 1 run back in the queue.", outcome.OutLines[^1]);
        Assert.Equal(2, await ClearedCountAsync());
        var states = (await _engine.StatesAsync("daily"))[2];
        Assert.Equal((DagRunState.Queued, null, null, TaskInstanceState.Success), (states.State, states["transform"], states["load"], states["extract"]));
        await using var db = _engine.CreateContext();
        var audit = await db.AuditLog.SingleAsync(a => a.Action == "task_instance.clear");
        Assert.Equal(($"cli:{Environment.UserName}", 2), (audit.Actor, audit.AffectedCount));
    }

    [Fact]
    public async Task Recursive_also_clears_the_sensor_of_another_dag_that_waits_at_the_same_date_and_prints_it_under_that_dag()
    {
        await _engine.AddDagAsync("""
            dag_id: weekly_report
            schedule: null
            tasks:
              - {id: wait_load, kind: external_task, external_dag_id: daily, external_task_id: load}
              - {id: publish, kind: empty, upstream: wait_load}
            """, unpause: false);
        var report = (await _engine.CreateRunsAsync("weekly_report",
            EngineHarness.RunFor(DagRunType.Manual, new DataInterval(FirstDay.AddDays(2), FirstDay.AddDays(3))))).Keys.Single();

        var without = await RunAsync(["tasks", "clear", "daily", "-t", "^load$", "-s", "2024-01-03", "--dry-run"]);
        var outcome = await RunAsync(["tasks", "clear", "daily", "-t", "^load$", "-s", "2024-01-03", "--recursive", "-y"]);
        var withRegex = await RunAsync(["tasks", "clear", "-R", "daily", "--recursive", "--dry-run"]);

        Assert.Equal("1 task instance to clear.", without.OutLines[^1]);
        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Contains("DAG 'weekly_report' (waits on daily.load):", outcome.OutLines);
        Assert.Contains($"{report} wait_load no status", outcome.OutLines.Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
        Assert.Equal("3 task instances to clear in 2 DAGs.", outcome.OutLines[^2]);
        Assert.Equal("Cleared 3 task instances in 2 DAGs; 1 run back in the queue.", outcome.OutLines[^1]);
        Assert.Equal(ExitCodes.Usage, withRegex.ExitCode);
        Assert.Contains("--recursive cannot be given with --dag-regex", withRegex.Error);
        await using var db = _engine.CreateContext();
        Assert.Equal(["daily", "weekly_report"], await db.AuditLog.OrderBy(a => a.Id).Select(a => a.DagId!).ToListAsync());
    }

    [Fact]
    public async Task The_date_range_and_the_pattern_narrow_the_selection()
    {
        var outcome = await RunAsync(["tasks", "clear", "daily", "--start-date", "2024-01-02", "--end-date", "2024-01-02", "-t", "tract", "--dry-run"]);

        Assert.Equal(
            [$"{RunId(1)} extract success"],
            outcome.OutLines[2..^1].Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
    }

    [Fact]
    public async Task Without_yes_and_without_a_terminal_nothing_is_cleared_and_the_message_says_to_pass_yes()
    {
        var outcome = await RunAsync(["tasks", "clear", "daily", "--only-failed"]);

        Assert.Equal(ExitCodes.Usage, outcome.ExitCode);
        Assert.Contains("Pass --yes to clear without asking", outcome.Error);
        Assert.Equal(0, await ClearedCountAsync());
    }

    [Fact]
    public async Task At_a_terminal_it_asks_and_clears_only_on_yes()
    {
        var declined = await RunAsync(new CliStdin("n\n", Interactive: true), ["tasks", "clear", "daily", "--only-failed"]);
        Assert.Equal(ExitCodes.Success, declined.ExitCode);
        Assert.Contains("Clear 2 task instances? [y/N] Cancelled: nothing was cleared.", declined.Out);
        Assert.Equal(0, await ClearedCountAsync());

        var accepted = await RunAsync(new CliStdin("y\n", Interactive: true), ["tasks", "clear", "daily", "--only-failed"]);
        Assert.Equal(ExitCodes.Success, accepted.ExitCode);
        Assert.EndsWith("Cleared 2 task instances; 1 run back in the queue.", accepted.Out.Trim());
        Assert.Equal(2, await ClearedCountAsync());
    }

    [Fact]
    public async Task A_running_instance_is_refused_unless_restart_running_is_given()
    {
        await RunTransformAgainAsync();

        var refused = await RunAsync(["tasks", "clear", "daily", "-s", "2024-01-03", "-y"]);
        Assert.Equal(ExitCodes.Refused, refused.ExitCode);
        Assert.StartsWith($"Not cleared, because these are running: transform in {RunId(2)}.", refused.Error);
        Assert.EndsWith("Pass --restart-running to restart them.", refused.Error.Trim());
        Assert.Equal(0, await ClearedCountAsync());

        var restarted = await RunAsync(["tasks", "clear", "daily", "-s", "2024-01-03", "-y", "--restart-running"]);
        Assert.Equal(ExitCodes.Success, restarted.ExitCode);
        Assert.Equal("3 task instances to clear, 1 of them running (restarted).", restarted.OutLines[^2]);
        Assert.Equal("Cleared 3 task instances (1 running, restarted); 0 runs back in the queue.", restarted.OutLines[^1]);
    }

    [Fact]
    public async Task Only_running_restarts_the_running_instances_alone_and_cannot_be_combined_with_only_failed()
    {
        await RunTransformAgainAsync();

        var both = await RunAsync(["tasks", "clear", "daily", "-r", "-f", "-y"]);
        Assert.Equal(ExitCodes.Usage, both.ExitCode);
        Assert.Contains("--only-failed and --only-running cannot be given together", both.Error);
        Assert.Equal(0, await ClearedCountAsync());

        var restarted = await RunAsync(["tasks", "clear", "daily", "--only-running", "-y"]);
        Assert.Equal(ExitCodes.Success, restarted.ExitCode);
        Assert.Equal("1 task instance to clear, 1 of them running (restarted).", restarted.OutLines[^2]);
        await using var db = _engine.CreateContext();
        var run = await db.DagRuns.SingleAsync(r => r.RunId == RunId(2));
        var states = await db.TaskInstances.Where(t => t.DagRunId == run.Id).ToDictionaryAsync(t => t.TaskId, t => t.State);
        Assert.NotEqual(TaskInstanceState.Running, states["transform"]);
        Assert.Equal((TaskInstanceState?)TaskInstanceState.UpstreamFailed, states["load"]); // not running: left alone
        Assert.Equal((TaskInstanceState?)TaskInstanceState.Success, states["extract"]);
    }

    [Fact]
    public async Task Nothing_matching_is_said_and_is_no_failure_but_an_unknown_dag_is_refused()
    {
        var nothing = await RunAsync(["tasks", "clear", "daily", "-t", "^nope$", "-y"]);
        Assert.Equal((ExitCodes.Success, "Nothing to clear: no task instance of DAG 'daily' matches."), (nothing.ExitCode, nothing.Out.Trim()));

        var noneFailed = await RunAsync(["tasks", "clear", "daily", "-e", "2024-01-02", "--only-failed", "-y"]);
        Assert.Equal(ExitCodes.Success, noneFailed.ExitCode);
        Assert.StartsWith("Nothing to clear:", noneFailed.Out);

        var unknown = await RunAsync(["tasks", "clear", "nope", "-y"]);
        Assert.Equal((ExitCodes.Refused, "There is no DAG 'nope'."), (unknown.ExitCode, unknown.Error.Trim()));
    }

    private Task<CliOutcome> RunAsync(string[] args) => CliRunner.RunAsync(_engine.ConnectionString, args);

    private Task<CliOutcome> RunAsync(CliStdin stdin, string[] args) => CliRunner.RunAsync(_engine.ConnectionString, stdin, args);

    private static string RunId(int day) => NewDagRun.RunIdFor(DagRunType.Scheduled, FirstDay.AddDays(day));

    /// <summary>Task instances with no state: every one was set above, so these are the cleared ones.</summary>
    /// <summary>The last run's failed transform is running its second try.</summary>
    private async Task RunTransformAgainAsync()
    {
        await SetAsync("UPDATE dag_run SET state = 'running' WHERE run_id = @run", P("run", RunId(2)));
        await SetAsync("""
            UPDATE task_instance SET state = 'running', try_number = 2
            WHERE task_id = 'transform' AND dag_run_id = (SELECT id FROM dag_run WHERE run_id = @run)
            """, P("run", RunId(2)));
    }

    private async Task<int> ClearedCountAsync()
    {
        await using var db = _engine.CreateContext();
        return await db.TaskInstances.CountAsync(t => t.State == null);
    }

    private async Task SetAsync(string sql, params Npgsql.NpgsqlParameter[] parameters)
    {
        await using var db = _engine.CreateContext();
        await db.ExecuteAsync(sql, CancellationToken.None, parameters);
    }
}
