using Dashboard.Core.Domain;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace Dashboard.Tests.Scheduling;

public sealed class TwoInstanceTests(ITestOutputHelper output)
{
    private const int TaskCount = 50;
    private const int RunCount = 4;

    [Fact]
    public async Task Two_complete_engines_on_one_database_run_every_task_instance_exactly_once()
    {
        await using var first = await EngineHarness.CreateAsync(parallelism: 4, output);
        await using var second = first.AddInstance(parallelism: 4, output);
        var tasks = string.Join("\n", Enumerable.Range(0, TaskCount).Select(i => $"""
              - id: t{i:00}
                command: echo "$DAG_ID $RUN_ID $TASK_ID $TRY_NUMBER" >> "$DASHBOARD_DATA_DIR/ran.txt" && sleep 0.05
            """));
        first.WriteDagFile("fan_out.yaml", $"""
            dag_id: fan_out
            schedule: null
            max_active_runs: {RunCount}
            max_active_tasks: {TaskCount * RunCount}
            tasks:
            {tasks}
            """);
        await Task.WhenAll(first.ProcessDagFilesAsync(), second.ProcessDagFilesAsync());
        await first.UnpauseAsync("fan_out");
        var runIds = new List<string>();
        for (var i = 0; i < RunCount; i++)
        {
            runIds.Add(await first.TriggerAsync("fan_out"));
        }

        await Task.WhenAll(first.StartLoopsAsync(), second.StartLoopsAsync());
        await first.WaitUntilAsync(async () => (await first.RunsAsync("fan_out")).All(r => r.State.IsFinished()), TimeSpan.FromSeconds(90));
        // Only what went wrong while they worked: stopping may cancel a pass, which EF logs as a transaction error.
        var errors = first.Log.Errors.Concat(second.Log.Errors).ToList();
        await Task.WhenAll(first.StopLoopsAsync(), second.StopLoopsAsync());

        await using var db = first.CreateContext();
        var taskInstances = await db.TaskInstances.AsNoTracking().Where(t => t.DagId == "fan_out").ToListAsync();
        Assert.Equal(TaskCount * RunCount, taskInstances.Count);
        Assert.All(taskInstances, ti => Assert.Equal((TaskInstanceState.Success, 1), (ti.State!.Value, ti.TryNumber)));
        Assert.Equal(0, await db.TaskInstanceHistory.CountAsync());
        Assert.All(await first.RunsAsync("fan_out"), r => Assert.Equal(DagRunState.Success, r.State));

        var lines = await File.ReadAllLinesAsync(Path.Combine(first.DataDirectory, "ran.txt"));
        var expected = runIds.SelectMany(run => Enumerable.Range(0, TaskCount).Select(i => $"fan_out {run} t{i:00} 1"));
        Assert.Equal(expected.Order(StringComparer.Ordinal), lines.Order(StringComparer.Ordinal)); // each exactly once

        // Both engines did real work, so the test really had them compete.
        Assert.Equal(
            new[] { first.Executor.ExecutorId, second.Executor.ExecutorId }.Order(StringComparer.Ordinal),
            taskInstances.Select(t => t.ExecutorId!).Distinct().Order(StringComparer.Ordinal));
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
