using System.Diagnostics;
using Dashboard.Core.Queries.Grid;
using Dashboard.Testing;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Dashboard.Bench.BenchPages;

namespace Dashboard.Bench;

/// <summary>
/// The grid page at 1,000 and 5,000 tasks: how fast it opens, the bytes its first render costs per
/// cell, what a live change costs, the memory an open grid holds on the server, how it scrolls, and
/// its model build. The real app runs in this process against a throw-away cluster, Chromium drives
/// it, and every figure has a baseline measured in the same run. The browser sees the page only
/// through its DOM contract (the grid's data attributes and row class), so the benchmark measures
/// any grid that keeps it.
/// </summary>
internal static class GridBenchmark
{
    private static readonly GridDataSet[] DataSets = [GridDataSet.Standard, GridDataSet.Large];
    private static readonly GridScenario[] LoadScenarios = [GridScenario.Standard, GridScenario.StandardWide, GridScenario.Large];
    private static readonly GridScenario[] MemoryScenarios = [GridScenario.Standard, GridScenario.StandardWide];
    private static readonly TimeSpan DisconnectedCircuitRetention = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(GridBenchmarkOptions options, CancellationToken ct)
    {
        Progress($"{Environment.ProcessorCount} CPUs, .NET {Environment.Version}; " +
                 $"{string.Join(" and ", DataSets.Select(d => $"{d.Tasks:N0} tasks × {d.Runs} runs"))}, median of {options.Repeats}, " +
                 $"{options.Pages} pages per memory measurement");
        var otherLoad = await CpuUsage.OtherLoadAsync(Progress, ct);

        Progress("Starting a throw-away PostgreSQL cluster and the app");
        await using var sandbox = await BenchSandbox.CreateAsync();
        ct.ThrowIfCancellationRequested();
        foreach (var data in DataSets)
        {
            await File.WriteAllTextAsync(Path.Combine(sandbox.DagFolder, $"{data.DagId}.yaml"), data.Yaml(), ct);
        }

        // The scheduler and executor stay off (the app host's default): nothing but the benchmark changes the rows.
        // A page that leaves ends its circuit through Blazor's unload beacon; on a busy machine the
        // beacon is now and then lost, and the circuit would be kept three minutes for a reconnect
        // that never comes while the next measurement waits for it to go.
        var circuits = new CircuitCounter();
        await using var app = await DashboardAppHost.StartAsync(
            sandbox.ConnectionString,
            new Dictionary<string, string?> { ["Dags:Folder"] = sandbox.DagFolder },
            builder =>
            {
                builder.Services.AddSingleton<CircuitHandler>(circuits);
                builder.Services.Configure<CircuitOptions>(circuit => circuit.DisconnectedCircuitRetentionPeriod = DisconnectedCircuitRetention);
            });
        await using var db = NpgsqlDataSource.Create(sandbox.ConnectionString);

        var seeding = Stopwatch.StartNew();
        await BenchSandbox.LoadDagsAsync(app.Services, ct);
        var mixes = new List<(GridDataSet, List<(string State, long Count)>)>();
        foreach (var data in DataSets)
        {
            await data.SeedAsync(db, ct);
            mixes.Add((data, await data.StateMixAsync(db, ct)));
        }

        Progress($"Loaded and seeded {mixes.Sum(m => m.Item2.Sum(s => s.Count)):N0} task instances in {seeding.Elapsed.TotalSeconds:0.0} s");

        var browser = new BrowserFixture();
        await browser.InitializeAsync();
        LoadTimes loads;
        FirstRenderBytesResult bytes;
        MemoryResult memory;
        TrafficResult traffic;
        ScrollResult scrolling;
        try
        {
            // The first loads first, while the server has rendered no grid yet; then memory, before the
            // timings fill the shared buffer pools, which trim what they have not used for a minute and
            // would show as a circuit giving memory back.
            var cold = await GridPageLoads.MeasureColdAsync(browser, app, circuits, LoadScenarios, ct);
            memory = await GridMemory.MeasureAsync(browser, app, circuits, MemoryScenarios, options.Pages, ct);
            loads = await GridPageLoads.MeasureTimesAsync(browser, app, circuits, LoadScenarios, cold, options.Repeats, ct);
            bytes = await GridPageLoads.MeasureBytesAsync(browser, app, circuits, LoadScenarios, ct);
            traffic = await GridLiveChanges.MeasureAsync(browser, app, db, circuits, GridScenario.Standard, options.Changes, ct);
            scrolling = await GridScrolling.MeasureAsync(browser, app, circuits, GridScenario.Large, ct);
        }
        finally
        {
            await browser.DisposeAsync();
        }

        var model = await MeasureModelsAsync(app, db, options.Repeats, ct);
        var passed = GridReport.Write(new GridResults(loads, bytes, traffic, memory, scrolling, model, mixes, otherLoad, options));
        return passed ? 0 : 1;
    }

    private static async Task<List<ReadTimes>> MeasureModelsAsync(DashboardAppHost app, NpgsqlDataSource db, int repeats, CancellationToken ct)
    {
        var grid = app.Services.GetRequiredService<GridQuery>();
        var times = new List<ReadTimes>();
        foreach (var data in DataSets)
        {
            times.Add(await GridModelBuild.MeasureAsync(grid, db, data, repeats, ct));
            Progress($"Model build, {data.Tasks:N0} tasks × {data.Runs} runs: {times[^1].ModelMs:0.0} ms, raw SQL read {times[^1].RawMs:0.0} ms ({times[^1].Ratio:0.00}×)");
        }

        return times;
    }
}

internal sealed record GridResults(
    LoadTimes Loads,
    FirstRenderBytesResult Bytes,
    TrafficResult Traffic,
    MemoryResult Memory,
    ScrollResult Scrolling,
    List<ReadTimes> Models,
    List<(GridDataSet Data, List<(string State, long Count)> Mix)> Mixes,
    double? OtherLoad,
    GridBenchmarkOptions Options);
