using Dashboard.Core.Domain;
using Dashboard.Core.Queries.Timeline;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Dashboard.Tests.Queries.TimelineDag;

namespace Dashboard.Tests.Queries;

public sealed class DurationsQueryTests
{
    private static DurationsQuery Query(EngineHarness engine) => engine.Services.GetRequiredService<DurationsQuery>();

    private static DateTimeOffset At(int day, int minute) => Day0.AddDays(day).AddHours(1).AddMinutes(minute);

    [Fact]
    public async Task The_last_runs_come_oldest_first_with_the_median_and_the_slowest_of_the_finished_ones()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var runs = await SeedAsync(engine, 1, 2, 3, 4, 5, 6);
        // Minutes each run took, after a minute in the queue: the first falls out of a window of five.
        int?[] minutes = [100, 10, 40, 20, 30, null];
        for (var i = 0; i < runs.Count; i++)
        {
            var day = i + 1;
            if (minutes[i] is { } took)
            {
                await SetRunAsync(engine, runs[i], i == 2 ? DagRunState.Failed : DagRunState.Success, At(day, 0), At(day, 1), At(day, 1 + took));
            }
            else
            {
                await SetRunAsync(engine, runs[i], DagRunState.Running, At(day, 0), At(day, 1), null);
            }
        }

        var chart = (await Query(engine).LoadAsync(DagId, runs: 5, taskId: null))!;

        Assert.Equal(runs.Skip(1), chart.Runs.Select(r => r.RunId));
        Assert.Equal(25 * 60.0, chart.RunStats.Median); // of 10, 40, 20 and 30 minutes; the running one is not done
        Assert.Equal(1, chart.RunStats.Slowest); // the failed 40-minute run
        Assert.Equal(4, chart.RunStats.Finished);
        Assert.Equal(60.0, chart.Runs[0].QueuedSeconds(chart.LoadedAt));
        Assert.Null(chart.Runs[^1].EndDate);
        Assert.True(chart.Runs[^1].RunSeconds(chart.LoadedAt) > 0);
        Assert.Null(await Query(engine).LoadAsync("no_such_dag", 25, null));
    }

    [Fact]
    public async Task The_task_chart_defaults_to_the_task_with_the_longest_median_and_follows_the_task_asked_for()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var runs = await SeedAsync(engine, 1, 2, 3);
        for (var i = 0; i < runs.Count; i++)
        {
            var day = i + 1;
            await SetTryAsync(engine, runs[i], "extract", 1, TaskInstanceState.Success, At(day, 0), At(day, 0), At(day, 5));
            // load is slow once (a retry), quick otherwise; report is steadily slower in the middle.
            await SetTryAsync(engine, runs[i], "load", i == 0 ? 2 : 1, TaskInstanceState.Success, At(day, 5), At(day, 5), At(day, i == 0 ? 65 : 7));
            await SetTryAsync(engine, runs[i], "report", 1, TaskInstanceState.Success, At(day, 7), At(day, 7), At(day, 17));
        }

        var byDefault = (await Query(engine).LoadAsync(DagId, 25, null))!;
        var load = (await Query(engine).LoadAsync(DagId, 25, "load"))!;
        var unknown = (await Query(engine).LoadAsync(DagId, 25, "gone"))!;

        Assert.Equal(["extract", "load", "report"], byDefault.TaskIds);
        Assert.Equal("report", byDefault.Task);
        Assert.Equal(10 * 60.0, byDefault.TaskStats.Median);
        Assert.Equal("load", load.Task);
        Assert.Equal<double?>([60 * 60, 2 * 60, 2 * 60], load.TaskDurations.Select(d => d!.RunSeconds(load.LoadedAt)));
        Assert.Equal([2, 1, 1], load.TaskDurations.Select(d => d!.TryNumber));
        Assert.Equal<(double?, int?)>((2 * 60, 0), (load.TaskStats.Median, load.TaskStats.Slowest));
        Assert.Equal(("gone", "report"), (unknown.MissingTaskId, unknown.Task));
    }

    [Fact]
    public async Task A_dag_without_runs_has_an_empty_chart_with_its_tasks()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await SeedAsync(engine);

        var chart = (await Query(engine).LoadAsync(DagId, 25, null))!;

        Assert.Empty(chart.Runs);
        Assert.Equal(DurationStats.None, chart.RunStats);
        Assert.Equal(["extract", "load", "report"], chart.TaskIds);
        Assert.Empty(chart.TaskDurations);
    }
}
