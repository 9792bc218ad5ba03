using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Operations;

public sealed class TaskInstanceSelectionTests
{
    private static readonly DateTimeOffset FirstDay = new(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_task_with_downstream_and_past_covers_its_descendants_in_earlier_runs_in_grid_order()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var runs = await AddDagWithRunsAsync(engine);

        var selected = await SelectAsync(engine, [TaskTarget.Task(runs[1], "b")], new Relatives(Downstream: true, Past: true));

        Assert.Equal([(runs[0], "b"), (runs[0], "c"), (runs[1], "b"), (runs[1], "c")], selected);
    }

    [Fact]
    public async Task Overlapping_scopes_select_each_instance_once()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var runs = await AddDagWithRunsAsync(engine);

        // The whole newest run with Past covers every instance; the task in the middle run with Past
        // reaches some of them a second time.
        var selected = await SelectAsync(engine, [TaskTarget.WholeRun(runs[2]), TaskTarget.Task(runs[1], "b")], new Relatives(Past: true));

        Assert.Equal(runs.SelectMany(run => new[] { "a", "b", "c", "other" }.Select(task => (run, task))), selected);
    }

    [Fact]
    public async Task A_whole_run_includes_instances_of_tasks_its_version_no_longer_has()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var runs = await AddDagWithRunsAsync(engine);
        await using (var db = engine.CreateContext())
        {
            await db.ExecuteAsync("""
                INSERT INTO task_instance (dag_run_id, dag_id, task_id, state, try_number, max_tries, updated_at)
                SELECT id, dag_id, 'gone', 'success', 1, 0, now() FROM dag_run WHERE run_id = @run
                """, CancellationToken.None, DbCommands.P("run", runs[0]));
        }

        var wholeRun = await SelectAsync(engine, [TaskTarget.WholeRun(runs[0])], Relatives.None);
        var task = await SelectAsync(engine, [TaskTarget.Task(runs[0], "c")], new Relatives(Upstream: true));

        Assert.Equal(["a", "b", "c", "other", "gone"], wholeRun.Select(t => t.TaskId));
        Assert.Equal(["a", "b", "c"], task.Select(t => t.TaskId));
    }

    /// <summary>a → b → c, and an unrelated task; three daily runs, oldest first.</summary>
    private static async Task<List<string>> AddDagWithRunsAsync(EngineHarness engine)
    {
        await engine.AddDagAsync("""
            dag_id: selection
            schedule: null
            tasks:
              - {id: a, kind: empty}
              - {id: b, kind: empty, upstream: a}
              - {id: c, kind: empty, upstream: b}
              - {id: other, kind: empty}
            """, unpause: false);
        var runs = await engine.CreateRunsAsync("selection", [.. Enumerable.Range(0, 3).Select(day =>
            EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(FirstDay.AddDays(day), FirstDay.AddDays(day + 1))))]);
        return [.. runs.OrderBy(r => r.Value).Select(r => r.Key)];
    }

    private static async Task<List<(string RunId, string TaskId)>> SelectAsync(EngineHarness engine, IReadOnlyList<TaskTarget> targets, Relatives relatives)
    {
        await using var db = engine.CreateContext();
        var selection = engine.Services.GetRequiredService<TaskInstanceSelection>();
        var selected = await selection.SelectAsync(db, "selection", targets, relatives, lockRuns: false, CancellationToken.None);
        return [.. selected.Select(t => (t.RunId, t.TaskId))];
    }
}
