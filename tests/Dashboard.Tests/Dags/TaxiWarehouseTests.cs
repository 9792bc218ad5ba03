using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Operations.Backfill;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dashboard.Tests.Dags;

/// <summary>
/// The document's idempotency contract, with the real taxi_pipeline (its DAG file and scripts) run
/// by the real scheduler and executor into a PostgreSQL warehouse: backfill three months, count the
/// trips per month with the document's query, backfill the same months again ("All runs"), and the
/// counts are the same.
/// </summary>
public sealed class TaxiWarehouseTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset January = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset EndOfMarch = new(2024, 3, 31, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Backfilling_the_same_months_again_leaves_the_trips_per_month_as_they_were_and_no_log_holds_the_password()
    {
        await using var engine = await EngineHarness.CreateAsync(output: output);
        var warehouse = await engine.AddWarehouseAsync();
        try
        {
            engine.CopyExampleDags("taxi_pipeline");
            await engine.ProcessDagFilesAsync();
            var backfills = engine.Services.GetRequiredService<BackfillService>();

            await backfills.CreateAsync(new BackfillRequest("taxi_pipeline", January, EndOfMarch, Actors.Admin("lead"), UnpauseDag: true));
            await RunUntilBackfillsCompleteAsync(engine, 1);
            var first = await warehouse.TripsPerMonthAsync();
            // Unpausing also let the schedule make its latest month's run: the months of 2024 are the backfill's.
            Assert.Equal([("2024-01", 31 * 200L), ("2024-02", 29 * 200L), ("2024-03", 31 * 200L)], first.Where(m => m.Month.StartsWith("2024-", StringComparison.Ordinal)));

            await backfills.CreateAsync(new BackfillRequest("taxi_pipeline", January, EndOfMarch, Actors.Admin("lead"), ReprocessBehavior.Completed));
            await RunUntilBackfillsCompleteAsync(engine, 2);

            Assert.Equal(first, await warehouse.TripsPerMonthAsync());
            var backfilled = (await engine.StatesAsync("taxi_pipeline")).Where(r => r.RunType == DagRunType.Backfill).ToList();
            Assert.Equal(3, backfilled.Count);
            Assert.All(backfilled, r => Assert.Equal(DagRunState.Success, r.State));
            Assert.Equal(0, await warehouse.ScalarAsync("SELECT count(*) FROM (SELECT trip_id FROM raw_trips GROUP BY trip_id HAVING count(*) > 1) AS twice"));
            Assert.Equal(3, await warehouse.ScalarAsync("SELECT count(*) FROM monthly_revenue WHERE month LIKE '2024-%'"));

            var backfillRunIds = (await engine.RunsAsync("taxi_pipeline")).Where(r => r.RunType == DagRunType.Backfill).Select(r => r.Id).ToHashSet();
            var lines = new List<string>();
            foreach (var taskId in new[] { "ingest_taxi_month", "dbt_run", "dbt_test" })
            {
                foreach (var instance in await engine.TaskInstancesAsync("taxi_pipeline", taskId))
                {
                    Assert.True(!backfillRunIds.Contains(instance.DagRunId) || instance.TryNumber >= 2, $"{taskId} of a backfilled month ran once");
                    for (var tryNumber = 1; tryNumber <= instance.TryNumber; tryNumber++)
                    {
                        lines.AddRange(await engine.LogAsync(instance.Id, tryNumber));
                    }
                }
            }

            Assert.Contains(lines, l => l.Contains("dbt_test: all checks passed for 2024-02", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains(warehouse.Password, StringComparison.Ordinal));
        }
        finally
        {
            warehouse.Release();
        }
    }

    [Fact]
    public async Task Without_a_warehouse_connection_the_ingest_try_fails_naming_it()
    {
        await using var engine = await EngineHarness.CreateAsync(output: output);
        engine.CopyExampleDags("taxi_pipeline");
        await engine.ProcessDagFilesAsync();
        var runIds = await engine.CreateRunsAsync("taxi_pipeline", EngineHarness.RunFor(DagRunType.Manual, new DataInterval(January, January.AddMonths(1))));
        await engine.UnpauseAsync("taxi_pipeline");
        var runId = runIds.Keys.Single();

        await engine.RunUntilTaskStateAsync("taxi_pipeline", runId, "ingest_taxi_month", TaskInstanceState.UpForRetry);

        var ingest = await engine.TaskInstanceAsync("taxi_pipeline", runId, "ingest_taxi_month");
        Assert.Contains(await engine.LogAsync(ingest.Id, 1), l => l.Contains("unknown connection 'warehouse'", StringComparison.Ordinal));
    }

    private static Task RunUntilBackfillsCompleteAsync(EngineHarness engine, int backfills) => engine.RunUntilAsync(async () =>
    {
        var runs = await engine.RunsAsync("taxi_pipeline");
        await using var db = engine.CreateContext();
        return runs.All(r => r.State.IsFinished())
               && await db.Backfills.CountAsync(b => b.CompletedAt != null) == backfills;
    }, TimeSpan.FromMinutes(3));
}
