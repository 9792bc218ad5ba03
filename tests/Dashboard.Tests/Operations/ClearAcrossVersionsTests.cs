using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Operations.Clear;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Operations;

/// <summary>A DAG whose file changed between two runs, cleared keeping each run's version: each run's relatives come from the version it has.</summary>
public sealed class ClearAcrossVersionsTests
{
    private static DataInterval Day(int day) =>
        new(new DateTimeOffset(2026, 9, day, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 9, day + 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Kept_on_their_versions_downstream_is_resolved_in_each_runs_own_version_and_past_reaches_only_tasks_that_exist()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync("""
            dag_id: evolving
            schedule: null
            tasks:
              - {id: extract, kind: empty}
              - {id: old_report, kind: empty, upstream: extract}
            """, unpause: false);
        var before = (await engine.CreateRunsAsync("evolving", EngineHarness.RunFor(DagRunType.Scheduled, Day(1)))).Keys.Single();
        await using (var db = engine.CreateContext())
        {
            // Finished before the file changed, so the task that left the file keeps its instance (an unfinished run's would be removed).
            await db.ExecuteAsync("UPDATE task_instance SET state = 'success', try_number = 1", CancellationToken.None);
            await db.ExecuteAsync("UPDATE dag_run SET state = 'success'", CancellationToken.None);
        }

        await engine.AddDagAsync("""
            dag_id: evolving
            schedule: null
            tasks:
              - {id: extract, kind: empty}
              - {id: new_report, kind: empty, upstream: extract}
            """, unpause: false);
        var after = (await engine.CreateRunsAsync("evolving", EngineHarness.RunFor(DagRunType.Scheduled, Day(2)))).Keys.Single();
        var service = engine.Services.GetRequiredService<ClearService>();

        var both = await service.PreviewAsync(new ClearRequest("evolving",
            [TaskTarget.Task(before, "extract"), TaskTarget.Task(after, "extract")], new ClearOptions(new Relatives(Downstream: true), KeepVersions: true), Actors.Admin("alice")));
        var pastFromNew = await service.PreviewAsync(new ClearRequest("evolving",
            [TaskTarget.Task(after, "extract")], new ClearOptions(new Relatives(Downstream: true, Past: true), KeepVersions: true), Actors.Admin("alice")));

        Assert.Equal([(before, "extract"), (before, "old_report"), (after, "extract"), (after, "new_report")],
            both.TaskInstances.Select(t => (t.RunId, t.TaskId)));
        // The new version's downstream task did not exist in the older run, and its old task is not downstream in the new version.
        Assert.Equal([(before, "extract"), (after, "extract"), (after, "new_report")], pastFromNew.TaskInstances.Select(t => (t.RunId, t.TaskId)));
    }
}
