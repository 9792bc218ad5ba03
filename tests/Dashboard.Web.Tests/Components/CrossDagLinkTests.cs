using Bunit;
using Dashboard.Core.Domain;
using Dashboard.Web.Components.Grid;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Web.Tests.Components;

/// <summary>A run a trigger_dag task created and that task link to each other's grid cells.</summary>
public sealed class CrossDagLinkTests : ComponentTest
{
    [Fact]
    public async Task The_triggered_run_links_to_the_task_that_triggered_it_and_back()
    {
        var engine = await UseEngineAsync();
        await engine.AddDagAsync("""
            dag_id: child
            schedule: null
            tasks:
              - id: work
                command: exit 0
            """, unpause: false);
        await engine.AddDagAsync("""
            dag_id: parent
            schedule: null
            tasks:
              - id: kick
                kind: trigger_dag
                trigger_dag_id: child
                logical_date: none
            """);
        var parentRun = await engine.TriggerAsync("parent");
        await engine.RunUntilRunsFinishedAsync("parent");
        string childRun;
        await using (var db = engine.CreateContext())
        {
            childRun = await db.DagRuns.Where(r => r.DagId == "child").Select(r => r.RunId).SingleAsync();
        }

        var run = Render<RunPanel>(p => p.Add(x => x.DagId, "child").Add(x => x.RunId, childRun));
        await run.WaitForAssertionAsync(() => Assert.Equal(
            $"dags/parent/grid?run={Uri.EscapeDataString(parentRun)}&task=kick",
            run.Find("[data-testid='run-triggered-by'] a").GetAttribute("href")));

        var task = Render<TaskInstancePanel>(p => p.Add(x => x.DagId, "parent").Add(x => x.RunId, parentRun).Add(x => x.TaskId, "kick"));
        await task.WaitForAssertionAsync(() => Assert.Equal(
            $"dags/child/grid?run={Uri.EscapeDataString(childRun)}",
            task.Find("[data-testid='ti-linked-run'] a").GetAttribute("href")));
        Assert.Equal(TaskInstanceState.Success, (await engine.TaskInstanceAsync("parent", parentRun, "kick")).State);
    }
}
