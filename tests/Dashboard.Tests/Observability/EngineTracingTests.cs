using System.Collections.Concurrent;
using System.Diagnostics;
using Dashboard.Core.Observability;
using Dashboard.Testing;

namespace Dashboard.Tests.Observability;

/// <summary>The spans the engine starts once something listens to the Dashboard activity source.</summary>
public sealed class EngineTracingTests
{
    [Fact]
    public async Task A_try_is_one_span_from_start_to_end_with_its_task_and_outcome()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == DashboardActivities.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        var dagId = await engine.AddDagAsync("""
            dag_id: traced
            schedule: null
            tasks:
              - id: work
                command: echo working
            """);
        var runId = await engine.TriggerAsync(dagId);

        await engine.RunUntilRunsFinishedAsync(dagId);

        // The source is shared by every engine in this process: this test's spans are the ones tagged with its DAG.
        var span = Assert.Single(stopped, a => a.OperationName == "task try" && Equals(a.GetTagItem("dag_id"), dagId));
        Assert.Equal(("work", runId, 1, "succeeded", "success"),
            (span.GetTagItem("task_id"), span.GetTagItem("run_id"), span.GetTagItem("try_number"), span.GetTagItem("outcome"), span.GetTagItem("state")));
        Assert.NotEqual(ActivityStatusCode.Error, span.Status);
        Assert.Contains(stopped, a => a.OperationName == "scheduler pass");
    }
}
