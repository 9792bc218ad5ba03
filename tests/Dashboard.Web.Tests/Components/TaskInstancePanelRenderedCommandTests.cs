using Bunit;
using Dashboard.Core.Domain;
using Dashboard.Web.Components.Grid;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The task-instance panel shows the command each try really ran, as the executor recorded it
/// (templates filled in, secrets already masked), and follows the try tab that is shown.
/// </summary>
public sealed class TaskInstancePanelRenderedCommandTests : ComponentTest
{
    private static string D2 => PipelineDag.Runs["d2"];

    [Fact]
    public async Task The_panel_shows_the_rendered_command_of_the_try_shown()
    {
        var engine = await UseEngineAsync();
        await PipelineDag.SeedAsync(engine);
        var ti = await engine.TaskInstanceAsync(PipelineDag.DagId, D2, "transform");
        await using (var db = engine.CreateContext())
        {
            db.TaskInstanceHistory.Add(new TaskInstanceHistory
            {
                TaskInstanceId = ti.Id, DagRunId = ti.DagRunId, DagId = PipelineDag.DagId, TaskId = "transform", TryNumber = 1,
                State = TaskInstanceState.Failed, MaxTries = 1, RenderedCommand = "psql -h db.internal -U loader -c 'select 1' # PGPASSWORD=***",
                RecordedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
            await db.TaskInstances.Where(t => t.Id == ti.Id).ExecuteUpdateAsync(s => s
                .SetProperty(t => t.TryNumber, 2)
                .SetProperty(t => t.RenderedCommand, "psql -h db2.internal -U loader -c 'select 1' # PGPASSWORD=***"));
        }

        var panel = Render<TaskInstancePanel>(p => p.Add(x => x.DagId, PipelineDag.DagId).Add(x => x.RunId, D2).Add(x => x.TaskId, "transform"));

        await panel.WaitForAssertionAsync(() =>
        {
            var rendered = panel.Find("[data-testid='ti-rendered-command']");
            Assert.Equal("2", rendered.GetAttribute("data-try"));
            Assert.Contains("psql -h db2.internal -U loader -c 'select 1' # PGPASSWORD=***", rendered.TextContent);
        });
        Assert.Contains("exit 0", panel.Find("code.command").TextContent); // the task's command, as written, above it

        await panel.InvokeAsync(() => panel.Find("[data-testid='try-tab'][data-try='1']").Click());

        await panel.WaitForAssertionAsync(() =>
        {
            var rendered = panel.Find("[data-testid='ti-rendered-command']");
            Assert.Equal("1", rendered.GetAttribute("data-try"));
            Assert.Contains("psql -h db.internal", rendered.TextContent);
        });
    }

    [Fact]
    public async Task A_try_with_no_recorded_command_shows_no_rendered_command()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());

        var panel = Render<TaskInstancePanel>(p => p.Add(x => x.DagId, PipelineDag.DagId).Add(x => x.RunId, D2).Add(x => x.TaskId, "transform"));

        await panel.WaitForAssertionAsync(() => panel.Find("[data-testid='try-tab']"));
        Assert.Empty(panel.FindAll("[data-testid='ti-rendered-command']"));
    }
}
