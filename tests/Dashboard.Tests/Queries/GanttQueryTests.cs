using Dashboard.Core.Domain;
using Dashboard.Core.Queries.Timeline;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Dashboard.Tests.Queries.TimelineDag;

namespace Dashboard.Tests.Queries;

public sealed class GanttQueryTests
{
    private static GanttQuery Query(EngineHarness engine) => engine.Services.GetRequiredService<GanttQuery>();

    private static DateTimeOffset At(int day, int minute, int second = 0) => Day0.AddDays(day).AddHours(1).AddMinutes(minute).AddSeconds(second);

    [Fact]
    public async Task A_run_shows_every_task_in_order_with_its_earlier_tries_and_the_running_one_without_an_end()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var runs = await SeedAsync(engine, 1, 2);
        var run = runs[1];
        await SetTryAsync(engine, run, "extract", 1, TaskInstanceState.Success, At(2, 0), At(2, 0, 5), At(2, 2));
        await ArchiveTryAsync(engine, run, "load", 1, TaskInstanceState.Failed, At(2, 2), At(2, 2, 1), At(2, 3));
        await ArchiveTryAsync(engine, run, "load", 2, TaskInstanceState.Failed, At(2, 4), At(2, 4, 2), At(2, 5));
        await SetTryAsync(engine, run, "load", 3, TaskInstanceState.Running, At(2, 6), At(2, 6, 30), null);
        // The other run's tries never show in this run's chart.
        await SetTryAsync(engine, runs[0], "extract", 1, TaskInstanceState.Success, At(1, 0), At(1, 1), At(1, 2));

        var chart = (await Query(engine).LoadAsync(DagId, run))!;

        Assert.Equal(run, chart.Run!.RunId);
        Assert.Equal([("extract", null), ("load", "warehouse"), ("report", null)], chart.Tasks.Select(t => (t.TaskId, t.GroupId)));
        var load = chart.Tasks[1];
        Assert.Equal(TaskInstanceState.Running, load.State);
        Assert.Equal(
            [(1, TaskInstanceState.Failed, false), (2, TaskInstanceState.Failed, false), (3, TaskInstanceState.Running, true)],
            load.Tries.Select(t => (t.TryNumber, t.State, t.IsCurrent)));
        var running = load.Tries[^1];
        Assert.True(running.IsLive);
        Assert.Null(running.EndDate);
        var now = At(2, 10);
        Assert.Equal(now, running.To(now));
        Assert.Equal<(double?, double?)>((210, 30), (running.RunSeconds(now), running.QueuedSeconds(now)));
        Assert.False(load.Tries[0].IsLive);
        Assert.Equal(At(2, 3), load.Tries[0].To(now));
        Assert.Equal([(1, At(2, 0), At(2, 2))], chart.Tasks[0].Tries.Select(t => (t.TryNumber, t.From!.Value, t.EndDate!.Value)));
        Assert.Empty(chart.Tasks[2].Tries); // report has not run: a row, no bar
        Assert.Null(chart.Tasks[2].State);
        Assert.True(chart.HasLiveTries);
    }

    [Fact]
    public async Task A_cleared_task_keeps_its_archived_try_once_and_an_upstream_failed_one_without_a_try_still_shows_its_state()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var run = (await SeedAsync(engine, 1))[0];
        // Cleared after its first try: the try is in history, the instance is back to no status on the same try number.
        await ArchiveTryAsync(engine, run, "extract", 1, TaskInstanceState.Failed, At(1, 0), At(1, 1), At(1, 2));
        await SetTryAsync(engine, run, "extract", 1, null, null, null, null);
        // Decided by a trigger rule without running: try 0, start and end at once.
        await SetTryAsync(engine, run, "report", 0, TaskInstanceState.UpstreamFailed, null, At(1, 3), At(1, 3));

        var chart = (await Query(engine).LoadAsync(DagId, run))!;

        var extract = chart.Tasks[0];
        Assert.Null(extract.State);
        Assert.Equal([(1, TaskInstanceState.Failed, false)], extract.Tries.Select(t => (t.TryNumber, t.State, t.IsCurrent)));
        var report = chart.Tasks[2];
        Assert.Equal(TaskInstanceState.UpstreamFailed, report.State);
        Assert.Equal([0], report.Tries.Select(t => t.TryNumber));
        Assert.False(chart.HasLiveTries);
    }

    [Fact]
    public async Task The_latest_run_is_the_default_an_unknown_run_says_so_and_an_unknown_dag_is_null()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var runs = await SeedAsync(engine, 1, 2, 3);

        var latest = (await Query(engine).LoadAsync(DagId, null))!;
        var unknown = (await Query(engine).LoadAsync(DagId, "manual__nope"))!;

        Assert.Equal(runs[2], latest.Run!.RunId);
        Assert.Equal(runs.AsEnumerable().Reverse(), latest.Runs.Select(r => r.RunId));
        Assert.Null(unknown.Run);
        Assert.Equal("manual__nope", unknown.MissingRunId);
        Assert.Equal(3, unknown.Runs.Count);
        Assert.Null(await Query(engine).LoadAsync("no_such_dag", null));
    }

    [Fact]
    public async Task A_dag_without_runs_has_no_run_and_nothing_missing()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await SeedAsync(engine);

        var chart = (await Query(engine).LoadAsync(DagId, null))!;

        Assert.Empty(chart.Runs);
        Assert.Null(chart.Run);
        Assert.Null(chart.MissingRunId);
    }

    [Fact]
    public async Task An_old_run_asked_for_is_offered_beside_the_newest_ones()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var runs = await SeedAsync(engine, [.. Enumerable.Range(1, GanttQuery.PickerRuns + 1)]);

        var chart = (await Query(engine).LoadAsync(DagId, runs[0]))!;

        Assert.Equal(runs[0], chart.Run!.RunId);
        Assert.Equal(GanttQuery.PickerRuns + 1, chart.Runs.Count);
        Assert.Equal(runs[0], chart.Runs[^1].RunId);
    }
}
