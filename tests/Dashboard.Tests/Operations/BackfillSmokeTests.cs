using Dashboard.Core.Domain;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Backfill;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Operations;

public sealed class BackfillSmokeTests
{
    [Fact]
    public async Task A_backfill_creates_queued_runs_and_the_same_one_again_creates_nothing()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync("""
            dag_id: monthly
            schedule: "@monthly"
            start_date: 2024-01-01
            tasks:
              - {id: a, kind: empty}
              - {id: b, kind: empty, upstream: a}
            """, unpause: false);
        var service = engine.Services.GetRequiredService<BackfillService>();
        var request = new BackfillRequest("monthly", new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new(2024, 3, 31, 0, 0, 0, TimeSpan.Zero), "lead");

        var plan = await service.PreviewAsync(request);
        Assert.Equal((3, 0, 0), (plan.ToCreate, plan.ToRerun, plan.Skipped));
        Assert.True(plan.DagPaused);

        var created = await service.CreateAsync(request with { UnpauseDag = true });
        Assert.Equal((3, 0, 0), (created.Created, created.Rerun, created.Skipped));
        await using (var db = engine.CreateContext())
        {
            var runs = await db.DagRuns.OrderBy(r => r.LogicalDate).ToListAsync();
            Assert.All(runs, r => Assert.Equal((DagRunType.Backfill, DagRunState.Queued, created.Id), (r.RunType, r.State, r.BackfillId!.Value)));
            Assert.Equal(6, await db.TaskInstances.CountAsync());
            Assert.False((await db.Dags.SingleAsync()).IsPaused);
        }

        await engine.RunUntilAsync(async () => (await engine.RunsAsync("monthly")).All(r => r.State.IsFinished()));
        await engine.Scheduler.RunOnceAsync(CancellationToken.None);
        await using (var db = engine.CreateContext())
        {
            Assert.NotNull((await db.Backfills.SingleAsync()).CompletedAt);
        }

        var again = await Assert.ThrowsAsync<OperationRefusedException>(() => service.CreateAsync(request));
        Assert.StartsWith("Nothing to do: all 3 runs", again.Message);

        var rerun = await service.CreateAsync(request with { Reprocess = ReprocessBehavior.Completed });
        Assert.Equal((0, 3, 0), (rerun.Created, rerun.Rerun, rerun.Skipped));
    }
}
