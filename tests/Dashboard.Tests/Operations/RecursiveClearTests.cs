using System.Text.Json;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Clear;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Operations;

/// <summary>
/// Recursive clear: from the instances a clear selects, across the links external_task and
/// trigger_dag tasks make, transitively, with a depth limit, each instance once, in one transaction
/// with one audit row per DAG, exactly as previewed.
/// </summary>
public sealed class RecursiveClearTests
{
    /// <summary>upstream: a >> b. Its runs are created by the test.</summary>
    private const string Upstream = """
        dag_id: upstream
        schedule: null
        tasks:
          - {id: a, command: exit 0}
          - {id: b, command: exit 0, upstream: a}
        """;

    /// <summary>report: waits on upstream.b, then works, then triggers notify at the same logical date.</summary>
    private static string Report(string delta = "0s") => $$"""
        dag_id: report
        schedule: null
        tasks:
          - {id: wait_b, kind: external_task, external_dag_id: upstream, external_task_id: b, execution_delta: {{delta}}, poke_interval: 10s}
          - {id: work, command: exit 0, upstream: wait_b}
          - {id: kick, kind: trigger_dag, trigger_dag_id: notify, upstream: work}
          - {id: unrelated, command: exit 0}
        """;

    private const string Notify = """
        dag_id: notify
        schedule: null
        tasks:
          - {id: send, command: exit 0}
        """;

    [Fact]
    public async Task It_clears_the_waiting_sensor_with_its_downstream_and_the_triggered_run_then_all_re_run_in_order()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var (up, report) = await RunAllGreenAsync(engine);
        var notifyRun = Assert.Single(await engine.RunsAsync("notify")).RunId;
        var service = engine.Services.GetRequiredService<ClearService>();
        var request = Clear("upstream", up, "b", recursive: true);

        var preview = await service.PreviewAsync(request);

        Assert.Null(preview.Blocker);
        Assert.Equal([(up, "b")], preview.TaskInstances.Select(t => (t.RunId, t.TaskId)));
        Assert.Equal(["report", "notify"], preview.Linked.Select(l => l.DagId));
        Assert.Equal([(report, "wait_b"), (report, "work"), (report, "kick")], preview.Linked[0].TaskInstances.Select(t => (t.RunId, t.TaskId)));
        Assert.Equal(["waits on upstream.b"], preview.Linked[0].Reasons);
        Assert.Equal([(notifyRun, "send")], preview.Linked[1].TaskInstances.Select(t => (t.RunId, t.TaskId)));
        Assert.Equal(["triggered by report.kick"], preview.Linked[1].Reasons);
        Assert.Equal([1, 2], preview.Linked.Select(l => l.Depth));

        var result = await service.ExecuteAsync(request, preview);

        Assert.Equal((5, 0, 3, 2), (result.Cleared, result.Restarted, result.RunsRequeued, result.OtherDags));
        Assert.Equal(preview.All.Select(t => t.Id).Order(), await ClearedIdsAsync(engine));
        await using (var db = engine.CreateContext())
        {
            var audit = await db.AuditLog.AsNoTracking().OrderBy(a => a.Id).ToListAsync();
            Assert.Equal([("upstream", 1, request.RequestId), ("report", 3, null), ("notify", 1, null)],
                audit.Select(a => (a.DagId, a.AffectedCount, a.RequestId)));
            Assert.True(JsonDocument.Parse(audit[0].Details).RootElement.GetProperty("recursive").GetBoolean());
            Assert.Equal("upstream", JsonDocument.Parse(audit[1].Details).RootElement.GetProperty("recursive_from").GetProperty("dag_id").GetString());
        }

        // The sensor waits for upstream.b again, so the report runs after it, and notify runs (again) after the report.
        await engine.RunUntilAsync(async () =>
            (await engine.RunsAsync("upstream")).Concat(await engine.RunsAsync("report")).All(r => r.State == DagRunState.Success));
        var b = await engine.TaskInstanceAsync("upstream", up, "b");
        var wait = await engine.TaskInstanceAsync("report", report, "wait_b");
        Assert.Equal((TaskInstanceState.Success, 2), (b.State, b.TryNumber));
        Assert.True(wait.EndDate >= b.EndDate, "the sensor succeeded only once upstream.b had succeeded again");
        Assert.Equal(TaskInstanceState.Success, (await engine.TaskInstanceAsync("report", report, "unrelated")).State);
        Assert.Equal(1, (await engine.TaskInstanceAsync("report", report, "unrelated")).TryNumber);
    }

    [Fact]
    public async Task Without_recursive_only_its_own_dag_is_cleared()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var (up, _) = await RunAllGreenAsync(engine);

        var preview = await engine.Services.GetRequiredService<ClearService>().PreviewAsync(Clear("upstream", up, "b", recursive: false));

        Assert.Equal([(up, "b")], preview.All.Select(t => (t.RunId, t.TaskId)));
        Assert.Empty(preview.Linked);
    }

    [Fact]
    public async Task An_execution_delta_reaches_the_sensor_in_the_run_at_the_logical_date_plus_the_delta()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Upstream, unpause: false);
        await engine.AddDagAsync(Report(delta: "1d"), unpause: false);
        var day = Day(engine.Today.AddDays(-3));
        var up = await RunAsync(engine, "upstream", day);
        await RunAsync(engine, "report", day);
        var nextDay = await RunAsync(engine, "report", Day(day.End));

        var preview = await engine.Services.GetRequiredService<ClearService>().PreviewAsync(Clear("upstream", up, "a", recursive: true));

        var linked = Assert.Single(preview.Linked);
        Assert.Equal([(nextDay, "wait_b"), (nextDay, "work"), (nextDay, "kick")], linked.TaskInstances.Select(t => (t.RunId, t.TaskId)));
    }

    [Fact]
    public async Task A_cycle_of_links_takes_each_instance_once_and_ends_where_it_closes()
    {
        await using var engine = await EngineHarness.CreateAsync();
        // ping.x >> ping.wait_pong (waits on pong.y); pong.wait_ping (waits on ping.x) >> pong.y
        await engine.AddDagAsync("""
            dag_id: ping
            schedule: null
            tasks:
              - {id: x, command: exit 0}
              - {id: wait_pong, kind: external_task, external_dag_id: pong, external_task_id: y, upstream: x}
            """, unpause: false);
        await engine.AddDagAsync("""
            dag_id: pong
            schedule: null
            tasks:
              - {id: wait_ping, kind: external_task, external_dag_id: ping, external_task_id: x}
              - {id: y, command: exit 0, upstream: wait_ping}
            """, unpause: false);
        var day = Day(engine.Today.AddDays(-2));
        var ping = await RunAsync(engine, "ping", day);
        var pong = await RunAsync(engine, "pong", day);

        var preview = await engine.Services.GetRequiredService<ClearService>().PreviewAsync(Clear("ping", ping, "x", recursive: true, downstream: false));

        Assert.Equal([(ping, "x"), (ping, "wait_pong")], preview.TaskInstances.Select(t => (t.RunId, t.TaskId)));
        var linked = Assert.Single(preview.Linked);
        Assert.Equal([(pong, "wait_ping"), (pong, "y")], linked.TaskInstances.Select(t => (t.RunId, t.TaskId)));
        Assert.Equal(preview.All.Count, preview.All.Select(t => t.Id).Distinct().Count());
    }

    [Theory]
    [InlineData(RecursiveClear.MaxDepth, true)]
    [InlineData(RecursiveClear.MaxDepth + 1, false)]
    public async Task Links_are_followed_at_most_the_depth_limit_deep(int links, bool allowed)
    {
        await using var engine = await EngineHarness.CreateAsync();
        var day = Day(engine.Today.AddDays(-2));
        await engine.AddDagAsync(Chain(0), unpause: false);
        var first = await RunAsync(engine, "chain0", day);
        for (var i = 1; i <= links; i++)
        {
            await engine.AddDagAsync(Chain(i), unpause: false);
            await RunAsync(engine, $"chain{i}", day);
        }

        var service = engine.Services.GetRequiredService<ClearService>();
        var request = Clear("chain0", first, "work", recursive: true);
        if (allowed)
        {
            var preview = await service.PreviewAsync(request);
            Assert.Equal(links, preview.Linked.Count);
            Assert.Equal(links, preview.Linked[^1].Depth);
            return;
        }

        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => service.ExecuteAsync(request));
        Assert.Contains($"at most {RecursiveClear.MaxDepth} DAGs deep", refused.Message);
        Assert.Contains($"chain0 → chain1 → chain2", refused.Message);
        Assert.Empty(await ClearedIdsAsync(engine));
        await using var db = engine.CreateContext();
        Assert.False(await db.AuditLog.AnyAsync());

        static string Chain(int i) => i == 0
            ? "dag_id: chain0\nschedule: null\ntasks:\n  - {id: work, command: exit 0}\n"
            : $"dag_id: chain{i}\nschedule: null\ntasks:\n  - {{id: wait, kind: external_task, external_dag_id: chain{i - 1}, external_task_id: work}}\n" +
              "  - {id: work, command: exit 0, upstream: wait}\n";
    }

    [Fact]
    public async Task A_reached_dag_the_person_may_not_change_refuses_the_whole_clear_and_nothing_changes()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var (up, _) = await RunAllGreenAsync(engine);
        await engine.AddDagAsync(Notify + "\naccess_control: {can_edit: [Op]}\n");
        var service = engine.Services.GetRequiredService<ClearService>();
        var request = Clear("upstream", up, "b", recursive: true);

        var preview = await service.PreviewAsync(request);
        var refused = await Assert.ThrowsAsync<Dashboard.Core.Security.AccessDeniedException>(() => service.ExecuteAsync(request, preview));
        var byOp = await service.PreviewAsync(request with { Actor = Actors.As(Dashboard.Core.Security.Role.Op, "oncall") });

        Assert.Equal(["report", "notify"], preview.Linked.Select(l => l.DagId));
        Assert.Equal("analyst may not clear task instances of DAG 'notify': only Op (and Admins) may change it.", preview.Blocker);
        Assert.Equal(preview.Blocker, refused.Message);
        Assert.Empty(await ClearedIdsAsync(engine));
        await using (var db = engine.CreateContext())
        {
            Assert.False(await db.AuditLog.AnyAsync());
            Assert.All(await db.DagRuns.AsNoTracking().ToListAsync(), r => Assert.Equal(DagRunState.Success, r.State));
        }

        Assert.Null(byOp.Blocker);
        Assert.Null((await service.PreviewAsync(request with { Options = request.Options with { Recursive = false } })).Blocker);
    }

    [Fact]
    public async Task A_linked_instance_that_moved_since_the_preview_makes_the_clear_outdated_and_changes_nothing()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var (up, report) = await RunAllGreenAsync(engine);
        var service = engine.Services.GetRequiredService<ClearService>();
        var request = Clear("upstream", up, "b", recursive: true);
        var preview = await service.PreviewAsync(request);
        await using (var db = engine.CreateContext())
        {
            await db.ExecuteAsync($"UPDATE task_instance SET state = 'failed' WHERE dag_id = 'report' AND task_id = 'work'", CancellationToken.None);
        }

        var outdated = await Assert.ThrowsAsync<PreviewOutdatedException>(() => service.ExecuteAsync(request, preview));

        Assert.Contains($"work in {report} is now failed", outdated.Message);
        Assert.Empty(await ClearedIdsAsync(engine));
    }

    /// <summary>upstream, then report (its sensor finds upstream.b done), then the notify run report triggered, all green.</summary>
    private static async Task<(string Upstream, string Report)> RunAllGreenAsync(EngineHarness engine)
    {
        await engine.AddDagAsync(Upstream);
        await engine.AddDagAsync(Report());
        await engine.AddDagAsync(Notify);
        var day = Day(engine.Today.AddDays(-1));
        var up = (await engine.CreateRunsAsync("upstream", EngineHarness.RunFor(DagRunType.Manual, day))).Keys.Single();
        var report = (await engine.CreateRunsAsync("report", EngineHarness.RunFor(DagRunType.Manual, day))).Keys.Single();
        await engine.RunUntilAsync(async () =>
            (await engine.RunsAsync("upstream")).Concat(await engine.RunsAsync("report")).Concat(await engine.RunsAsync("notify")).ToList()
            is { Count: 3 } runs && runs.All(r => r.State == DagRunState.Success));
        return (up, report);
    }

    private static async Task<string> RunAsync(EngineHarness engine, string dagId, DataInterval day) =>
        (await engine.CreateRunsAsync(dagId, EngineHarness.RunFor(DagRunType.Manual, day))).Keys.Single();

    /// <summary>The instances with no state and a cleared-before try: what a clear reset.</summary>
    private static async Task<List<long>> ClearedIdsAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        return await db.TaskInstances.AsNoTracking().Where(t => t.State == null && t.TryNumber > 0).Select(t => t.Id).OrderBy(id => id).ToListAsync();
    }

    private static ClearRequest Clear(string dagId, string runId, string taskId, bool recursive, bool downstream = true) =>
        new(dagId, [TaskTarget.Task(runId, taskId)], new ClearOptions(new Relatives(Downstream: downstream), Recursive: recursive),
            Actors.As(Dashboard.Core.Security.Role.User, "analyst"), RequestId: Guid.NewGuid());

    private static DataInterval Day(DateTimeOffset start) => new(start, start.AddDays(1));
}
