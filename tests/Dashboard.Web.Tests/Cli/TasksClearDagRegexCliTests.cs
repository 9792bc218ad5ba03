using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Transitions;
using Dashboard.Testing;
using Dashboard.Web.Cli;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Web.Tests.Cli;

/// <summary>
/// <c>tasks clear -R</c> on three DAGs of extract → load, two daily runs each: the first succeeded,
/// the second failed in load. Two ids start with <c>etl_</c>; the third only contains <c>etl</c>.
/// </summary>
public sealed class TasksClearDagRegexCliTests : IAsyncLifetime
{
    private static readonly string[] DagIds = ["etl_orders", "etl_users", "reporting_etl"];

    private static readonly DateTimeOffset FirstDay = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private EngineHarness _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        foreach (var dagId in DagIds)
        {
            await _engine.AddDagAsync($$"""
                dag_id: {{dagId}}
                schedule: "@daily"
                start_date: 2024-01-01
                tasks:
                  - {id: extract, kind: empty}
                  - {id: load, kind: empty, upstream: extract}

                """, unpause: false);
            await _engine.CreateRunsAsync(dagId, [.. Enumerable.Range(0, 2).Select(d =>
                EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(FirstDay.AddDays(d), FirstDay.AddDays(d + 1))))]);
        }

        await SetAsync("UPDATE dag_run SET state = 'success'");
        await SetAsync("UPDATE task_instance SET state = 'success', try_number = 1");
        await SetAsync("UPDATE dag_run SET state = 'failed' WHERE run_id = @run", P("run", SecondRun));
        await SetAsync("""
            UPDATE task_instance SET state = 'failed'
            WHERE task_id = 'load' AND dag_run_id IN (SELECT id FROM dag_run WHERE run_id = @run)
            """, P("run", SecondRun));
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private static string SecondRun => NewDagRun.RunIdFor(DagRunType.Scheduled, FirstDay.AddDays(1));

    [Fact]
    public async Task Every_matching_dag_is_previewed_under_its_id_and_one_answer_clears_them_all_and_only_them()
    {
        string[] args = ["tasks", "clear", "-R", "^etl_", "--only-failed"];

        var declined = await RunAsync(new CliStdin("n\n", Interactive: true), args);
        Assert.Equal(ExitCodes.Success, declined.ExitCode);
        Assert.Empty(await ClearedAsync());

        var accepted = await RunAsync(new CliStdin("y\n", Interactive: true), args);

        Assert.Equal((ExitCodes.Success, ""), (accepted.ExitCode, accepted.Error));
        var lines = accepted.OutLines;
        Assert.Equal(["DAG 'etl_orders':", "DAG 'etl_users':"], lines.Where(l => l.StartsWith("DAG '", StringComparison.Ordinal)));
        Assert.Equal(2, lines.Count(l => l == "1 task instance to clear."));
        Assert.Contains("2 task instances in 2 DAGs to clear.", lines);
        Assert.Single(lines, l => l.Contains("? [y/N]", StringComparison.Ordinal));
        Assert.Contains("Clear 2 task instances in 2 DAGs? [y/N] Cleared 1 task instance of DAG 'etl_orders'; 1 run back in the queue.", lines);
        Assert.Equal("Cleared 1 task instance of DAG 'etl_users'; 1 run back in the queue.", lines[^1]);
        Assert.Equal([("etl_orders", "load"), ("etl_users", "load")], await ClearedAsync());
        await using var db = _engine.CreateContext();
        Assert.Equal(["etl_orders", "etl_users"], await db.AuditLog.Where(a => a.Action == "task_instance.clear").Select(a => a.DagId!).OrderBy(d => d).ToListAsync());
    }

    [Fact]
    public async Task The_pattern_is_searched_for_in_the_ids_not_matched_whole_and_may_be_given_as_dag_id()
    {
        var contains = await RunAsync(["tasks", "clear", "-R", "etl", "-t", "^load$", "--dry-run"]);
        var suffix = await RunAsync(["tasks", "clear", "--dag-regex", "--dag-id", "users$", "-t", "^load$", "--dry-run"]);

        Assert.Equal(ExitCodes.Success, contains.ExitCode);
        Assert.Equal(DagIds.Select(d => $"DAG '{d}':"), contains.OutLines.Where(l => l.StartsWith("DAG '", StringComparison.Ordinal)));
        Assert.Equal("6 task instances in 3 DAGs to clear.", contains.OutLines[^1]);
        Assert.Equal(["DAG 'etl_users':"], suffix.OutLines.Where(l => l.StartsWith("DAG '", StringComparison.Ordinal)));
        Assert.Empty(await ClearedAsync());
    }

    [Fact]
    public async Task A_pattern_that_matches_no_dag_is_refused_with_the_pattern_in_the_message()
    {
        var outcome = await RunAsync(["tasks", "clear", "-R", "^nope", "-y"]);

        Assert.Equal((ExitCodes.Refused, ""), (outcome.ExitCode, outcome.Out));
        Assert.Equal("No DAG matches '^nope': no active DAG's id contains a match of it.", outcome.Error.Trim());
        Assert.Empty(await ClearedAsync());
    }

    [Fact]
    public async Task A_dag_whose_file_is_gone_is_not_matched()
    {
        await SetAsync("UPDATE dag SET is_active = false WHERE dag_id = 'reporting_etl'");

        var outcome = await RunAsync(["tasks", "clear", "-R", "etl", "--only-failed", "--dry-run"]);

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.DoesNotContain("DAG 'reporting_etl':", outcome.OutLines);
        Assert.Equal("2 task instances in 2 DAGs to clear.", outcome.OutLines[^1]);
    }

    [Fact]
    public async Task A_running_instance_in_one_matching_dag_refuses_the_clear_in_all_of_them()
    {
        await SetAsync("""
            UPDATE task_instance SET state = 'running'
            WHERE dag_id = 'etl_users' AND task_id = 'load' AND dag_run_id IN (SELECT id FROM dag_run WHERE run_id = @run)
            """, P("run", SecondRun));

        var outcome = await RunAsync(["tasks", "clear", "-R", "^etl_", "-t", "^load$", "-s", "2024-01-02", "-y"]);

        Assert.Equal(ExitCodes.Refused, outcome.ExitCode);
        Assert.StartsWith($"DAG 'etl_users': Not cleared, because these are running: load in {SecondRun}.", outcome.Error);
        Assert.EndsWith("Pass --restart-running to restart them.", outcome.Error.Trim());
        Assert.Empty(await ClearedAsync());
    }

    [Fact]
    public async Task Matching_dags_with_nothing_to_clear_say_so_and_it_is_no_failure()
    {
        var outcome = await RunAsync(["tasks", "clear", "-R", "^etl_", "-t", "^nope$", "-y"]);

        Assert.Equal((ExitCodes.Success, ""), (outcome.ExitCode, outcome.Error));
        Assert.Contains("Nothing to clear: no task instance of DAG 'etl_orders' matches.", outcome.OutLines);
        Assert.Equal("Nothing to clear in the DAGs matching '^etl_'.", outcome.OutLines[^1]);
    }

    [Fact]
    public async Task A_pattern_that_backtracks_without_end_is_stopped_as_bad_input_before_anything_changes()
    {
        var longId = new string('a', 60) + "_x"; // 2^60 ways for ^(a+)+$ to fail on it: it never ends in time, however fast the machine
        await _engine.AddDagAsync($"dag_id: {longId}\nstart_date: 2024-01-01\ntasks:\n  - {{id: a, kind: empty}}\n", unpause: false);

        var outcome = await RunAsync(["tasks", "clear", "-R", "^(a+)+$", "-y"]);

        Assert.Equal((ExitCodes.Usage, ""), (outcome.ExitCode, outcome.Out));
        Assert.Equal($"error: the regular expression '^(a+)+$' took longer than 1 s on '{longId}'; nothing was changed", outcome.Error.Trim());
        Assert.Empty(await ClearedAsync());
    }

    private Task<CliOutcome> RunAsync(string[] args) => CliRunner.RunAsync(_engine.ConnectionString, args);

    private Task<CliOutcome> RunAsync(CliStdin stdin, string[] args) => CliRunner.RunAsync(_engine.ConnectionString, stdin, args);

    /// <summary>Task instances with no state, by DAG and task: every one was set above, so these are the cleared ones.</summary>
    private async Task<List<(string, string)>> ClearedAsync()
    {
        await using var db = _engine.CreateContext();
        var cleared = await db.TaskInstances.Where(t => t.State == null).Select(t => new { t.DagId, t.TaskId }).ToListAsync();
        return [.. cleared.Select(t => (t.DagId, t.TaskId)).Order()];
    }

    private async Task SetAsync(string sql, params Npgsql.NpgsqlParameter[] parameters)
    {
        await using var db = _engine.CreateContext();
        await db.ExecuteAsync(sql, CancellationToken.None, parameters);
    }
}
