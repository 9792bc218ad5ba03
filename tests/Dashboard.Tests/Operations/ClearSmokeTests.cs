using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Operations.Clear;
using Dashboard.Core.Operations.Mark;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Operations;

public sealed class ClearSmokeTests
{
    [Fact]
    public async Task Clear_with_downstream_resets_the_failed_chain_and_requeues_the_run()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync("""
            dag_id: smoke
            schedule: null
            tasks:
              - {id: a, kind: empty}
              - {id: b, kind: empty, upstream: a, retries: 2}
              - {id: c, kind: empty, upstream: b}
            """, unpause: false);
        var day = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
        var runs = await engine.CreateRunsAsync("smoke", EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day, day.AddDays(1))));
        await using (var db = engine.CreateContext())
        {
            await db.ExecuteAsync("UPDATE task_instance SET state = 'success', try_number = 1 WHERE task_id = 'a'", CancellationToken.None);
            await db.ExecuteAsync("UPDATE task_instance SET state = 'failed', try_number = 3 WHERE task_id = 'b'", CancellationToken.None);
            await db.ExecuteAsync("UPDATE task_instance SET state = 'upstream_failed' WHERE task_id = 'c'", CancellationToken.None);
            await db.ExecuteAsync("UPDATE dag_run SET state = 'failed'", CancellationToken.None);
        }

        var service = engine.Services.GetRequiredService<ClearService>();
        var request = new ClearRequest("smoke", [TaskTarget.Task(runs.Keys.Single(), "b")], new ClearOptions(new Relatives(Downstream: true)), "alice", RequestId: Guid.NewGuid());
        var preview = await service.PreviewAsync(request);
        Assert.Equal(["b", "c"], preview.TaskInstances.Select(t => t.TaskId));

        var result = await service.ExecuteAsync(request, preview);
        Assert.Equal(new ClearResult(2, 0, 1), result);
        Assert.True((await service.ExecuteAsync(request, preview)).AlreadyApplied);

        await using var check = engine.CreateContext();
        var b = await check.TaskInstances.SingleAsync(t => t.TaskId == "b");
        Assert.Equal((null, 3, 5), (b.State, b.TryNumber, b.MaxTries));
        var run = await check.DagRuns.SingleAsync();
        Assert.Equal((DagRunState.Queued, 1), (run.State, run.ClearNumber));
        Assert.Equal(1, await check.Set<TaskInstanceHistory>().CountAsync(h => h.TaskId == "b" && h.TryNumber == 3));
        Assert.Equal(1, await check.AuditLog.CountAsync(a => a.Action == "task_instance.clear"));

        var mark = engine.Services.GetRequiredService<MarkService>();
        var markRequest = new MarkRequest("smoke", [TaskTarget.Task(runs.Keys.Single(), "a")], TaskInstanceState.Failed, Relatives.None, "bob");
        var marked = await mark.ExecuteAsync(markRequest);
        Assert.Equal(1, marked.Marked);
    }
}
