using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Tests.Persistence;

public sealed class TaskInstanceHistoryTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task A_task_instances_history_goes_with_it_when_its_dag_is_deleted()
    {
        await using var db = database.CreateContext();
        await TestData.AddDagAsync(db, "short_lived");
        var run = await TestData.AddRunAsync(db, "short_lived", "manual_1", DagRunState.Success);
        var ti = await TestData.AddTaskInstanceAsync(db, run, "only", TaskInstanceState.Success);
        await TestData.AddDagAsync(db, "kept");
        var keptRun = await TestData.AddRunAsync(db, "kept", "manual_1", DagRunState.Success);
        var keptTi = await TestData.AddTaskInstanceAsync(db, keptRun, "only", TaskInstanceState.Success);
        foreach (var instance in new[] { ti, keptTi })
        {
            db.Add(new TaskInstanceHistory
            {
                TaskInstanceId = instance.Id, DagRunId = instance.DagRunId, DagId = instance.DagId, TaskId = "only", TryNumber = 1,
                State = TaskInstanceState.Failed, RecordedAt = DateTimeOffset.UtcNow,
            });
        }

        await db.SaveChangesAsync();

        // Deleting the DAG cascades to its runs and task instances; the trigger takes their history along.
        await db.ExecuteAsync("DELETE FROM dag WHERE dag_id = 'short_lived'", CancellationToken.None);

        Assert.Equal(["kept"], await db.Set<TaskInstanceHistory>().Select(h => h.DagId).ToListAsync());
    }
}
