using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Operations.Clear;
using Dashboard.Core.Operations.Mark;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Queries;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.E2E.Tests;

/// <summary>
/// Live updates never miss a change. Pages only watch (grids, a grid with a task panel, one with a
/// run panel, the DAG list with Needs attention, the Backfills page, the audit log) while other
/// connections commit a long randomized sequence of changes to what they show: single cells, whole
/// runs, new runs, actions through the services, users created; one by one and in bursts, some
/// overwritten before any window ends; some while a new page is still loading. After every step
/// each page must equal the database. A change a page misses leaves it stale for good, because
/// nothing else changes until it catches up, so the wait fails instead of passing late.
/// </summary>
public sealed class LiveUpdateBrowserTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string DagId = "live_demo";
    private const int Tasks = 6;
    private const string HotTask = "t3";

    private const string Dag = """
        dag_id: live_demo
        schedule: null
        tasks:
          - {id: t0, command: 'true'}
          - {id: t1, upstream: t0, command: 'true'}
          - {id: t2, upstream: t0, group: g, command: 'true'}
          - {id: t3, upstream: t1, group: g, command: 'true'}
          - {id: t4, upstream: [t2, t3], command: 'true'}
          - {id: t5, upstream: t4, command: 'true'}
        """;

    /// <summary>Generous: only a page that never catches up runs into it, so a loaded machine does not fail the test.</summary>
    private static readonly TimeSpan Convergence = BrowserFixture.ExpectTimeout;

    private static readonly string?[] CellStates =
        [null, "scheduled", "queued", "running", "success", "failed", "upstream_failed", "up_for_retry", "skipped", "restarting"];

    private static readonly string[] RunStates = ["queued", "running", "success", "failed"];

    /// <summary>Everything a watched page shows that the test checks, one line per fact, read through the data-* attributes.</summary>
    private const string PageView = """
        () => {
          const all = s => [...document.querySelectorAll(s)];
          const progress = e => e ? `s${e.dataset.succeeded} f${e.dataset.failed} r${e.dataset.running} q${e.dataset.queued} of ${e.dataset.total}` : 'none';
          return [
            ...all('[data-cell][data-task-id]').map(e => `cell ${e.dataset.taskId} ${e.dataset.runId}=${e.dataset.state}`),
            ...all('[data-run-header]').map(e => `run ${e.dataset.runId}=${e.dataset.state}`),
            ...all('[data-testid=ti-state]').map(e => `panel ti=${e.dataset.state}`),
            ...all('[data-testid=run-state]').map(e => `panel run=${e.dataset.state}`),
            ...all('[data-testid=backfill-banner]').map(e => `banner ${progress(e.querySelector('[data-testid=backfill-progress]'))}`),
            ...all('[data-testid=recent-runs] [data-run-id]').map(e => `recent ${e.dataset.runId}=${e.dataset.state}`),
            ...all('[data-testid=failed-24h]').map(e => `failed24=${e.textContent.trim()}`),
            ...all('[data-testid=running-count]').map(e => `running=${e.textContent.trim()}`),
            ...all('[data-testid=needs-attention] li[data-run-id]').map(e => `attention ${e.closest('[data-testid]').dataset.testid} ${e.dataset.runId} ${e.dataset.taskId ?? ''}`.trim()),
            ...all('[data-testid=backfills] tr[data-backfill-id]').map(e => `backfill ${e.dataset.backfillId} ${e.dataset.status} ${progress(e.querySelector('[data-testid=backfill-progress]'))}`),
            ...all('[data-testid=audit-log] tr[data-audit-id]').map(e => `audit ${e.dataset.auditId}`),
            ...all('[data-testid=audit-log]').map(e => `audit total=${e.dataset.total}`),
          ];
        }
        """;

    private EngineHarness _engine = null!;
    private DashboardAppHost _app = null!;
    private NpgsqlDataSource _db = null!;
    private int _nextDay = 1;
    private int _users;
    private long _hotRun;
    private string _hotRunId = "";

    private enum Kind
    {
        Grid,
        GridWithTaskPanel,
        GridWithRunPanel,
        DagList,
        Backfills,
        AuditLog,
    }

    private sealed record Watcher(Kind Kind, IPage Page);

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        await _engine.AddDagAsync(Dag);
        _app = await DashboardAppHost.StartAsync(_engine.ConnectionString);
        _db = NpgsqlDataSource.Create(_engine.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        await _app.DisposeAsync();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task Every_watching_page_catches_up_with_every_change_committed_elsewhere()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("DASHBOARD_LIVE_SEED"), out var s) ? s : 20261204;
        var steps = int.TryParse(Environment.GetEnvironmentVariable("DASHBOARD_LIVE_STEPS"), out var n) ? n : 200;
        output.WriteLine($"seed {seed}, {steps} steps (DASHBOARD_LIVE_SEED, DASHBOARD_LIVE_STEPS)");
        var random = new Random(seed);

        for (var i = 0; i < 3; i++)
        {
            await AddRunAsync();
        }

        await _engine.AddBackfillAsync(DagId, [Day(25), Day(26)], maxActiveRuns: 1);
        (_hotRun, _hotRunId) = (await RunIdsAsync())[0];
        var watchers = new List<Watcher>();
        foreach (var kind in Enum.GetValues<Kind>())
        {
            watchers.Add(await WatchAsync(kind));
        }

        await WaitUntilPagesEqualDatabaseAsync(watchers, "start");
        Watcher? latecomer = null;

        var changes = 0;
        for (var step = 0; step < steps; step++)
        {
            var roll = random.Next(100);
            string what;
            if (roll < 10)
            {
                // A page that starts while changes are being committed: its first load races them.
                var kind = Enum.GetValues<Kind>()[random.Next(Enum.GetValues<Kind>().Length)];
                var opening = WatchAsync(kind);
                var burst = random.Next(1, 5);
                for (var b = 0; b < burst; b++)
                {
                    await ChangeAsync(random);
                }

                if (latecomer is not null)
                {
                    watchers.Remove(latecomer);
                    await latecomer.Page.Context.CloseAsync();
                }

                latecomer = await opening;
                watchers.Add(latecomer);
                what = $"{kind} opened during a burst of {burst}";
                changes += burst;
            }
            else if (roll < 55)
            {
                what = await ChangeAsync(random);
                changes++;
            }
            else
            {
                // A burst: commits back to back, most overwritten before any window ends.
                var burst = random.Next(2, 8);
                for (var b = 0; b < burst; b++)
                {
                    await ChangeAsync(random);
                }

                what = $"burst of {burst}";
                changes += burst;
            }

            await WaitUntilPagesEqualDatabaseAsync(watchers, $"step {step} ({what}, seed {seed})");
        }

        output.WriteLine($"{changes} changes committed; every page caught up after each of {steps} steps");
    }

    private static DataInterval Day(int day) =>
        new(new DateTimeOffset(2026, 11, day, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, day + 1, 0, 0, 0, TimeSpan.Zero));

    private async Task<Watcher> WatchAsync(Kind kind)
    {
        var grid = $"/dags/{DagId}/grid?runs=50";
        var path = kind switch
        {
            Kind.Grid => grid,
            Kind.GridWithTaskPanel => $"{grid}&run={Uri.EscapeDataString(_hotRunId)}&task={HotTask}",
            Kind.GridWithRunPanel => $"{grid}&run={Uri.EscapeDataString(_hotRunId)}",
            Kind.DagList => "/",
            Kind.Backfills => "/backfills",
            _ => "/audit",
        };
        var page = await browser.NewPageAsync(_app);
        await page.GotoAsync(new Uri(_app.BaseAddress, path).ToString());
        await page.WaitForCircuitAsync();
        return new Watcher(kind, page);
    }

    // ---- Changes, committed the way other instances and people would ----

    private async Task<string> ChangeAsync(Random random) => random.Next(100) switch
    {
        < 45 => await ChangeCellAsync(random),
        < 65 => await ChangeRunAsync(random),
        < 72 when _nextDay < 20 => $"new run {await AddRunAsync()}",
        < 90 => await ActAsync(random),
        _ => await CreateUserAsync(),
    };

    private async Task<string> AddRunAsync()
    {
        var runs = await _engine.CreateRunsAsync(DagId, EngineHarness.RunFor(DagRunType.Manual, Day(_nextDay++)));
        return runs.Keys.Single();
    }

    private async Task<(long Id, string RunId)> PickRunAsync(Random random)
    {
        var runs = await RunIdsAsync();
        return random.Next(3) == 0 ? (_hotRun, _hotRunId) : runs[random.Next(runs.Count)];
    }

    private async Task<string> ChangeCellAsync(Random random)
    {
        var hot = random.Next(3) == 0;
        var run = hot ? _hotRun : (await PickRunAsync(random)).Id;
        var task = hot ? HotTask : $"t{random.Next(Tasks)}";
        var state = CellStates[random.Next(CellStates.Length)];
        await using var command = _db.CreateCommand(
            "UPDATE task_instance SET state = @state, try_number = try_number + 1 WHERE dag_run_id = @run AND task_id = @task");
        command.Parameters.AddWithValue("state", (object?)state ?? DBNull.Value);
        command.Parameters.AddWithValue("run", run);
        command.Parameters.AddWithValue("task", task);
        await command.ExecuteNonQueryAsync();
        return $"{task} of run {run} to {state ?? "none"}";
    }

    private async Task<string> ChangeRunAsync(Random random)
    {
        var (run, _) = await PickRunAsync(random);
        var cellState = CellStates[random.Next(CellStates.Length)];
        var runState = RunStates[random.Next(RunStates.Length)];
        await using var connection = await _db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var cells = new NpgsqlCommand("UPDATE task_instance SET state = @state, try_number = try_number + 1 WHERE dag_run_id = @run", connection, transaction))
        {
            cells.Parameters.AddWithValue("state", (object?)cellState ?? DBNull.Value);
            cells.Parameters.AddWithValue("run", run);
            await cells.ExecuteNonQueryAsync();
        }

        // A finished run gets an end date, so a failed one shows under Needs attention.
        await using (var header = new NpgsqlCommand(
                         "UPDATE dag_run SET state = @state, end_date = CASE WHEN @state IN ('success', 'failed') THEN now() END WHERE id = @run",
                         connection, transaction))
        {
            header.Parameters.AddWithValue("state", runState);
            header.Parameters.AddWithValue("run", run);
            await header.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return $"run {run} to {runState}, its cells to {cellState ?? "none"}";
    }

    /// <summary>A person's action through the services: state changes and an audit row in one transaction.</summary>
    private async Task<string> ActAsync(Random random)
    {
        var (_, runId) = await PickRunAsync(random);
        var task = $"t{random.Next(Tasks)}";
        var actor = Actors.As(Role.Op, "olivia");
        try
        {
            if (random.Next(2) == 0)
            {
                await _app.Services.GetRequiredService<ClearService>().ExecuteAsync(new ClearRequest(
                    DagId, [TaskTarget.Task(runId, task)], new ClearOptions(new Relatives(Downstream: random.Next(2) == 0), DisturbRunning: true), actor));
                return $"cleared {task} of {runId}";
            }

            var state = random.Next(2) == 0 ? TaskInstanceState.Success : TaskInstanceState.Failed;
            await _app.Services.GetRequiredService<MarkService>().ExecuteAsync(new MarkRequest(
                DagId, [TaskTarget.Task(runId, task)], state, Relatives.None, actor));
            return $"marked {task} of {runId} {state}";
        }
        catch (Dashboard.Core.Operations.OperationRefusedException refused)
        {
            // Nothing to clear or mark there now: a refused action changes nothing, which is fine here too.
            return $"refused: {refused.Message}";
        }
    }

    /// <summary>An action about no DAG: only its audit row changes.</summary>
    private async Task<string> CreateUserAsync()
    {
        var name = $"watcher{++_users}";
        await _app.Services.GetRequiredService<UserAdministration>().CreateAsync(
            Actors.Admin(DashboardAppHost.AdminUserName), name, Role.Viewer, "a long enough password");
        return $"user {name} created";
    }

    private async Task<List<(long Id, string RunId)>> RunIdsAsync()
    {
        await using var command = _db.CreateCommand("SELECT id, run_id FROM dag_run WHERE dag_id = @dag ORDER BY id");
        command.Parameters.AddWithValue("dag", DagId);
        var ids = new List<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return ids;
    }

    // ---- What each page should show, read from the database once the changes have stopped ----

    private async Task<Dictionary<Kind, SortedSet<string>>> ExpectedViewsAsync()
    {
        var grid = await GridViewAsync();
        var backfills = await _app.Services.GetRequiredService<BackfillListQuery>().ListAsync();
        var banner = backfills.Where(b => b.IsActive && b.DagId == DagId).Select(b => $"banner {Progress(b)}").Take(1);
        var gridPage = grid.Where(l => !l.StartsWith("panel ", StringComparison.Ordinal)).Concat(banner).ToList();

        var dags = await _app.Services.GetRequiredService<DagListQuery>().ListAsync();
        var attention = await _app.Services.GetRequiredService<NeedsAttentionQuery>()
            .LoadAsync(new AttentionThresholds(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(1)));
        var dagList = dags.SelectMany(d => d.RecentRuns.Select(r => $"recent {r.RunId}={SnakeCase(r.State)}")
                .Append($"failed24={d.FailedLast24Hours}").Append($"running={d.RunningCount}"))
            .Concat(Attention("attention-failed-runs", attention.FailedRuns))
            .Concat(Attention("attention-retrying", attention.Retrying))
            .Concat(Attention("attention-queued", attention.QueuedRuns))
            .Concat(Attention("attention-stuck", attention.StuckTasks));

        var audit = await _app.Services.GetRequiredService<AuditLogQuery>().PageAsync(AuditLogFilter.None, 0, 50);
        var auditPage = audit.TotalCount == 0 ? [] : audit.Rows.Select(r => $"audit {r.Id}").Append($"audit total={audit.TotalCount}");

        return new Dictionary<Kind, SortedSet<string>>
        {
            [Kind.Grid] = Set(gridPage),
            [Kind.GridWithTaskPanel] = Set(gridPage.Concat(grid.Where(l => l.StartsWith("panel ti=", StringComparison.Ordinal)))),
            [Kind.GridWithRunPanel] = Set(gridPage.Concat(grid.Where(l => l.StartsWith("panel run=", StringComparison.Ordinal)))),
            [Kind.DagList] = Set(dagList),
            [Kind.Backfills] = Set(backfills.Select(b => $"backfill {b.Id} {b.Status} {Progress(b)}")),
            [Kind.AuditLog] = Set(auditPage),
        };
    }

    /// <summary>The grid's cells, run headers and panels, straight from the tables.</summary>
    private async Task<List<string>> GridViewAsync()
    {
        await using var command = _db.CreateCommand("""
            SELECT 'cell ' || ti.task_id || ' ' || r.run_id || '=' || coalesce(ti.state, 'none')
            FROM task_instance ti JOIN dag_run r ON r.id = ti.dag_run_id WHERE r.dag_id = @dag
            UNION ALL
            SELECT 'run ' || run_id || '=' || state FROM dag_run WHERE dag_id = @dag
            UNION ALL
            SELECT 'panel ti=' || coalesce(state, 'none') FROM task_instance WHERE dag_run_id = @hot AND task_id = @task
            UNION ALL
            SELECT 'panel run=' || state FROM dag_run WHERE id = @hot
            """);
        command.Parameters.AddWithValue("dag", DagId);
        command.Parameters.AddWithValue("hot", _hotRun);
        command.Parameters.AddWithValue("task", HotTask);
        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }

    private static IEnumerable<string> Attention(string card, AttentionList list) =>
        list.Items.Select(i => $"attention {card} {i.RunId} {i.TaskId}".Trim());

    private static string Progress(BackfillProgress b) => $"s{b.Succeeded} f{b.Failed} r{b.Running} q{b.Queued} of {b.Runs}";

    private static string SnakeCase(DagRunState state) => Dashboard.Core.Persistence.SnakeCase.ToSnakeCase(state);

    private static SortedSet<string> Set(IEnumerable<string> lines) => new(lines, StringComparer.Ordinal);

    private async Task WaitUntilPagesEqualDatabaseAsync(IReadOnlyList<Watcher> watchers, string when)
    {
        var expected = await ExpectedViewsAsync();
        foreach (var watcher in watchers)
        {
            try
            {
                await watcher.Page.WaitForFunctionAsync(
                    $"expected => {{ const shown = ({PageView})(); return shown.length === expected.length && expected.every(line => shown.includes(line)); }}",
                    expected[watcher.Kind].ToArray(), new PageWaitForFunctionOptions { Timeout = (float)Convergence.TotalMilliseconds, PollingInterval = 20 });
            }
            catch (TimeoutException)
            {
                var shown = Set(await watcher.Page.EvaluateAsync<string[]>(PageView));
                Assert.Fail($"At {when}, the {watcher.Kind} page did not catch up with the database in {Convergence.TotalSeconds} s.\n" +
                            $"Not shown: {string.Join(", ", expected[watcher.Kind].Except(shown))}\n" +
                            $"Shown but stale: {string.Join(", ", shown.Except(expected[watcher.Kind]))}");
            }
        }
    }
}
