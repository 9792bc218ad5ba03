using System.Diagnostics;
using System.Text.RegularExpressions;
using Dashboard.Core.Persistence;
using Dashboard.Core.Queries.Grid;
using Dashboard.Testing;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;
using NpgsqlTypes;
using static Dashboard.Bench.Statistics;

namespace Dashboard.Bench;

/// <summary>
/// The grid page's costs on a 1,000-task DAG with 100 runs: building its model, rendering its first
/// page on the server, the bytes a live change sends to the browser and the memory an open grid
/// holds on the server. The real app runs in this process against a throw-away cluster, Chromium
/// drives it, and every figure has a baseline measured in the same run.
/// </summary>
internal static class GridBenchmark
{
    /// <summary>The grid's default window, and what the page shows without a <c>runs</c> parameter.</summary>
    public const int PageRuns = 25;

    /// <summary>Task rows whose cells (× <see cref="PageRuns"/> runs) a burst changes: 1,000 cells.</summary>
    public const int BurstRows = 40;

    private const int WarmUps = 8;
    private const string GridReady = "[data-testid='grid'][data-ready='true']";
    private const string LayoutReady = "main[data-interactive='true']";
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PageSettle = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static string GridPath => $"/dags/{GridDataSet.DagId}/grid";

    public static async Task<int> RunAsync(GridBenchmarkOptions options, CancellationToken ct)
    {
        Progress($"{Environment.ProcessorCount} CPUs, .NET {Environment.Version}; {GridDataSet.Runs} runs × {GridDataSet.Tasks} tasks, " +
                 $"median of {options.Repeats}, {options.Pages} pages per memory measurement");
        var otherLoad = await CpuUsage.OtherLoadAsync(Progress, ct);

        Progress("Starting a throw-away PostgreSQL cluster and the app");
        await using var sandbox = await BenchSandbox.CreateAsync();
        ct.ThrowIfCancellationRequested();
        await File.WriteAllTextAsync(Path.Combine(sandbox.DagFolder, $"{GridDataSet.DagId}.yaml"), GridDataSet.Yaml(), ct);

        // The scheduler and executor stay off (the app host's default): nothing but the benchmark changes the rows.
        var circuits = new CircuitCounter();
        await using var app = await DashboardAppHost.StartAsync(
            sandbox.ConnectionString,
            new Dictionary<string, string?> { ["Dags:Folder"] = sandbox.DagFolder },
            builder => builder.Services.AddSingleton<CircuitHandler>(circuits));
        await using var db = NpgsqlDataSource.Create(sandbox.ConnectionString);

        var seeding = Stopwatch.StartNew();
        await BenchSandbox.LoadDagsAsync(app.Services, ct);
        await GridDataSet.SeedAsync(db, ct);
        var mix = await GridDataSet.StateMixAsync(db, ct);
        Progress($"Loaded {GridDataSet.DagId} and seeded {mix.Sum(m => m.Count):N0} task instances in {seeding.Elapsed.TotalSeconds:0.0} s: " +
                 string.Join(", ", mix.Select(m => $"{m.State} {m.Count:N0}")));

        // The browser measurements first: the timings below fill the shared buffer pools, and pools
        // trim what they have not used for a minute, which would show as a circuit giving memory back.
        var grid = app.Services.GetRequiredService<GridQuery>();
        MemoryResult memory;
        TrafficResult traffic;
        var browser = new BrowserFixture();
        await browser.InitializeAsync();
        try
        {
            memory = await MeasureMemoryAsync(browser, app, circuits, options.Pages, ct);
            Progress($"Memory per circuit: grid {memory.Grid.PerPage / 1e6:0.00} MB (median step {memory.Grid.MedianStep / 1e6:0.00}), " +
                     $"trivial page {memory.Trivial.PerPage / 1e6:0.00} MB (median step {memory.Trivial.MedianStep / 1e6:0.00})");
            traffic = await MeasureTrafficAsync(browser, app, grid, db, circuits, options.Changes, ct);
        }
        finally
        {
            await browser.DisposeAsync();
        }

        var model = await MeasureModelAsync(grid, db, GridDataSet.Runs, options.Repeats, ct);
        Progress($"Model build, {GridDataSet.Runs} runs: {model.ModelMs:0.0} ms, raw SQL read {model.RawMs:0.0} ms ({model.Ratio:0.00}×)");
        var firstPage = await MeasureFirstPageAsync(app, grid, db, options.Repeats, ct);
        Progress($"First page, {PageRuns} runs: GET {firstPage.GetMs:0.0} ms, model {firstPage.Model.ModelMs:0.0} ms, raw SQL read {firstPage.Model.RawMs:0.0} ms");

        var passed = GridReport.Write(new GridResults(model, firstPage, memory, traffic, mix, otherLoad, options));
        return passed ? 0 : 1;
    }

    /// <summary>
    /// <see cref="GridQuery.LoadAsync"/> against the raw read of the same task-instance rows, taking
    /// turns so a change in the machine's load hits both alike; medians after a warm-up.
    /// </summary>
    private static async Task<ReadTimes> MeasureModelAsync(GridQuery grid, NpgsqlDataSource db, int runs, int repeats, CancellationToken ct)
    {
        var request = new GridRequest(GridDataSet.DagId, Limit: runs);
        var runIds = await GridDataSet.NewestRunIdsAsync(db, runs, ct);
        var raw = await RawGridRead.ReadAsync(db, runIds, ct);
        var snapshot = await grid.LoadAsync(request, ct) ?? throw new InvalidOperationException("The grid found no DAG.");
        var cells = 0;
        for (var task = 0; task < snapshot.Tasks.Count; task++)
        {
            for (var run = 0; run < snapshot.Runs.Count; run++)
            {
                cells += snapshot.Cell(task, run).Exists ? 1 : 0;
            }
        }

        if (snapshot.Runs.Count != runs || snapshot.Tasks.Count != GridDataSet.Tasks || cells != raw.Count || raw.Count != runs * GridDataSet.Tasks)
        {
            throw new InvalidOperationException(
                $"The grid holds {snapshot.Runs.Count} runs, {snapshot.Tasks.Count} tasks and {cells} cells; the raw read {raw.Count} rows.");
        }

        for (var i = 0; i < WarmUps; i++)
        {
            await grid.LoadAsync(request, ct);
            await RawGridRead.ReadAsync(db, runIds, ct);
        }

        var model = new List<double>();
        var baseline = new List<double>();
        for (var repeat = 0; repeat < repeats; repeat++)
        {
            // Back to back, the order alternating, so both see the same machine.
            var first = repeat % 2 == 0;
            var rawFirst = first ? await TimeAsync(() => RawGridRead.ReadAsync(db, runIds, ct)) : 0;
            model.Add(await TimeAsync(() => grid.LoadAsync(request, ct)));
            baseline.Add(first ? rawFirst : await TimeAsync(() => RawGridRead.ReadAsync(db, runIds, ct)));
        }

        return new ReadTimes(raw.Count, Median(model), Median(baseline), PairedRatio(model, baseline));
    }

    /// <summary>
    /// A plain HTTP GET of the grid, which the app prerenders (its first screenful of rows), against
    /// the raw read of the window's rows; the model build for the same window on the side.
    /// </summary>
    private static async Task<FirstPageResult> MeasureFirstPageAsync(DashboardAppHost app, GridQuery grid, NpgsqlDataSource db, int repeats, CancellationToken ct)
    {
        using var http = await app.CreateSignedInClientAsync();
        var html = await GetAsync(http, ct);
        var drawnRows = Regex.Count(html, "<div class=\"grid-row[ \"]");
        var drawnCells = Regex.Count(html, "data-cell");
        if (!html.Contains("data-ready=\"false\"", StringComparison.Ordinal) || drawnCells != drawnRows * PageRuns || drawnRows == 0)
        {
            throw new InvalidOperationException($"The prerendered grid drew {drawnRows} rows and {drawnCells} cells.");
        }

        var request = new GridRequest(GridDataSet.DagId, Limit: PageRuns);
        var runIds = await GridDataSet.NewestRunIdsAsync(db, PageRuns, ct);
        for (var i = 0; i < WarmUps; i++)
        {
            await GetAsync(http, ct);
            await grid.LoadAsync(request, ct);
            await RawGridRead.ReadAsync(db, runIds, ct);
        }

        var get = new List<double>();
        var model = new List<double>();
        var baseline = new List<double>();
        var measurements = new (List<double> Times, Func<Task<double>> Measure)[]
        {
            (baseline, () => TimeAsync(() => RawGridRead.ReadAsync(db, runIds, ct))),
            (model, () => TimeAsync(() => grid.LoadAsync(request, ct))),
            (get, () => TimeAsync(() => GetAsync(http, ct))),
        };
        for (var repeat = 0; repeat < repeats; repeat++)
        {
            // The three back to back, the order rotating, so all see the same machine.
            for (var i = 0; i < measurements.Length; i++)
            {
                var (times, measure) = measurements[(repeat + i) % measurements.Length];
                times.Add(await measure());
            }
        }

        return new FirstPageResult(
            new ReadTimes(PageRuns * GridDataSet.Tasks, Median(model), Median(baseline), PairedRatio(model, baseline)),
            Median(get), PairedRatio(get, baseline), System.Text.Encoding.UTF8.GetByteCount(html), drawnRows, drawnCells);
    }

    private static async Task<string> GetAsync(HttpClient http, CancellationToken ct)
    {
        using var response = await http.GetAsync(GridPath, ct);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>
    /// The managed heap the app holds per open page: N grid pages against N pages of a trivial page
    /// of the same app. An unmeasured round of each first, so neither what the app caches once
    /// (compiled queries, component metadata, the grid's task structure) nor the growth of the
    /// shared buffer pools is counted as a circuit's.
    /// </summary>
    private static async Task<MemoryResult> MeasureMemoryAsync(BrowserFixture browser, DashboardAppHost app, CircuitCounter circuits, int pages, CancellationToken ct)
    {
        var trivial = new Uri(app.BaseAddress, "/backfills");
        var gridPage = new Uri(app.BaseAddress, GridPath);
        // The buffer pools (render batches, SignalR) grow to what N pages need and keep that memory,
        // which belongs to no circuit.
        await HeldPerCircuitAsync(browser, app, trivial, LayoutReady, circuits, pages, ct);
        await HeldPerCircuitAsync(browser, app, gridPage, GridReady, circuits, pages, ct);

        var trivialBytes = await HeldPerCircuitAsync(browser, app, trivial, LayoutReady, circuits, pages, ct);
        var gridBytes = await HeldPerCircuitAsync(browser, app, gridPage, GridReady, circuits, pages, ct);
        return new MemoryResult(pages, trivialBytes, gridBytes);
    }

    private static async Task<HeldMemory> HeldPerCircuitAsync(
        BrowserFixture browser, DashboardAppHost app, Uri url, string ready, CircuitCounter circuits, int pages, CancellationToken ct)
    {
        await circuits.WaitForAsync(0, Limit, ct);
        var before = FullyCollectedHeap();
        var heap = before;
        var steps = new List<double>();
        var opened = new List<IPage>();
        try
        {
            for (var i = 0; i < pages; i++)
            {
                var page = await browser.NewPageAsync(app);
                opened.Add(page);
                await page.GotoAsync(url.ToString());
                await page.Locator(ready).WaitForAsync(new() { Timeout = (float)Limit.TotalMilliseconds });
                await circuits.WaitForAsync(i + 1, Limit, ct);
                await Task.Delay(PageSettle, ct);
                var next = FullyCollectedHeap();
                steps.Add(next - heap);
                heap = next;
            }

            return new HeldMemory((heap - before) / (double)pages, Median(steps));
        }
        finally
        {
            await CloseAsync(opened);
            await circuits.WaitForAsync(0, Limit, ct);
        }
    }

    /// <summary>Leaving the page lets Blazor's script tell the server the circuit is done, so it is not kept for a reconnect.</summary>
    private static async Task CloseAsync(IEnumerable<IPage> pages)
    {
        foreach (var page in pages)
        {
            await page.GotoAsync("about:blank");
            await page.Context.CloseAsync();
        }
    }

    private static long FullyCollectedHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>
    /// WebSocket bytes the browser receives: for the page's first interactive render, for single
    /// committed cell changes, for an equally long quiet period and for bursts of 1,000 changes.
    /// </summary>
    private static async Task<TrafficResult> MeasureTrafficAsync(
        BrowserFixture browser, DashboardAppHost app, GridQuery grid, NpgsqlDataSource db, CircuitCounter circuits, int changeRepeats, CancellationToken ct)
    {
        await circuits.WaitForAsync(0, Limit, ct);
        var snapshot = await grid.LoadAsync(new GridRequest(GridDataSet.DagId, Limit: PageRuns), ct)
                       ?? throw new InvalidOperationException("The grid found no DAG.");
        var taskRows = GridLayout.Build(snapshot, GridLayoutOptions.Default).Where(r => !r.IsGroup).ToList();

        var page = await browser.NewPageAsync(app);
        try
        {
            var traffic = await WebSocketTraffic.AttachAsync(page);
            var clock = Stopwatch.StartNew();
            await page.GotoAsync(new Uri(app.BaseAddress, GridPath).ToString());
            await page.Locator(GridReady).WaitForAsync(new() { Timeout = (float)Limit.TotalMilliseconds });
            var readyMs = clock.Elapsed.TotalMilliseconds;
            await traffic.WaitForQuietAsync(Settle, Limit, ct);
            var initial = traffic.Now();
            var drawnRows = await page.Locator(".grid-row").CountAsync();
            Progress($"Initial interactive render: {initial.Bytes:N0} bytes in {initial.Frames} frames, {drawnRows} rows drawn");

            // One cell of a row near the top, in the newest run where it is success: success ↔ failed.
            var row = taskRows[4];
            var run = Enumerable.Range(0, snapshot.Runs.Count).Reverse()
                .First(r => snapshot.Cell(row.TaskIndex, r).State == Dashboard.Core.Domain.TaskInstanceState.Success);
            var target = (Run: snapshot.Runs[run], TaskId: row.Id);
            var changes = new List<ChangeMeasurement>();
            for (var i = 0; i < changeRepeats; i++)
            {
                var state = i % 2 == 0 ? "failed" : "success";
                var before = traffic.Now();
                clock.Restart();
                await SetStateAsync(db, target.Run.Id, target.TaskId, state, ct);
                await WaitForStateAsync(page, target.TaskId, target.Run.RunId, state);
                var visibleMs = clock.Elapsed.TotalMilliseconds;
                await Task.Delay(Settle, ct);
                changes.Add(new ChangeMeasurement(traffic.Now() - before, visibleMs, clock.Elapsed.TotalMilliseconds));
                Progress($"One cell change: {changes[^1].Traffic.Bytes:N0} bytes in {changes[^1].Traffic.Frames} frames, visible after {visibleMs:0} ms");
            }

            // Restore the seeded state if the repeats left it failed.
            if (changeRepeats % 2 == 1)
            {
                await SetStateAsync(db, target.Run.Id, target.TaskId, "success", ct);
                await WaitForStateAsync(page, target.TaskId, target.Run.RunId, "success");
                await traffic.WaitForQuietAsync(Settle, Limit, ct);
            }

            var quietMs = Median(changes.Select(c => c.WindowMs).ToList());
            var quietStart = traffic.Now();
            await Task.Delay(TimeSpan.FromMilliseconds(quietMs), ct);
            var quiet = traffic.Now() - quietStart;

            // Bursts: the first task rows × every run of the window. The cell watched is the one committed last.
            var burstTasks = taskRows.Take(BurstRows).Select(r => r.Id).ToArray();
            var runIds = snapshot.Runs.Select(r => r.Id).ToArray();
            var originals = await OriginalStatesAsync(db, runIds, burstTasks, ct);
            var watched = (TaskId: burstTasks[0], Run: snapshot.Runs[^1]);

            var before1 = traffic.Now();
            clock.Restart();
            await using (var clear = db.CreateCommand(
                "UPDATE task_instance SET state = NULL, updated_at = now() WHERE dag_run_id = ANY(@runs) AND task_id = ANY(@tasks)"))
            {
                clear.Parameters.Add(new NpgsqlParameter<long[]>("runs", runIds));
                clear.Parameters.Add(new NpgsqlParameter<string[]>("tasks", burstTasks));
                var changed = await clear.ExecuteNonQueryAsync(ct);
                if (changed != burstTasks.Length * runIds.Length)
                {
                    throw new InvalidOperationException($"The burst changed {changed} task instances.");
                }
            }

            var committedMs = clock.Elapsed.TotalMilliseconds;
            await WaitForStateAsync(page, watched.TaskId, watched.Run.RunId, "none");
            var oneVisibleMs = clock.Elapsed.TotalMilliseconds;
            await traffic.WaitForQuietAsync(Settle, Limit, ct);
            var oneTransaction = new BurstMeasurement(traffic.Now() - before1, committedMs, oneVisibleMs);
            Progress($"1,000 changes in one transaction: {oneTransaction.Traffic.Bytes:N0} bytes, {oneTransaction.Traffic.RenderBatches} render batches");

            // The same cells back to their seeded states, one autocommitted UPDATE each, back to back.
            var before2 = traffic.Now();
            clock.Restart();
            await using (var connection = await db.OpenConnectionAsync(ct))
            await using (var restore = new NpgsqlCommand(
                "UPDATE task_instance SET state = @state, updated_at = now() WHERE dag_run_id = @run AND task_id = @task", connection))
            {
                var state = restore.Parameters.Add(new NpgsqlParameter("state", NpgsqlDbType.Text));
                var runParameter = restore.Parameters.Add(new NpgsqlParameter("run", NpgsqlDbType.Bigint));
                var taskParameter = restore.Parameters.Add(new NpgsqlParameter("task", NpgsqlDbType.Text));
                await restore.PrepareAsync(ct);
                foreach (var original in originals.OrderBy(o => o.TaskId == watched.TaskId && o.RunId == watched.Run.Id))
                {
                    state.Value = (object?)original.State ?? DBNull.Value;
                    runParameter.Value = original.RunId;
                    taskParameter.Value = original.TaskId;
                    await restore.ExecuteNonQueryAsync(ct);
                }
            }

            committedMs = clock.Elapsed.TotalMilliseconds;
            var watchedState = originals.Single(o => o.TaskId == watched.TaskId && o.RunId == watched.Run.Id).State ?? "none";
            await WaitForStateAsync(page, watched.TaskId, watched.Run.RunId, watchedState);
            var separateVisibleMs = clock.Elapsed.TotalMilliseconds;
            await traffic.WaitForQuietAsync(Settle, Limit, ct);
            var separate = new BurstMeasurement(traffic.Now() - before2, committedMs, separateVisibleMs);
            Progress($"1,000 changes in separate commits: {separate.Traffic.Bytes:N0} bytes, {separate.Traffic.RenderBatches} render batches");

            return new TrafficResult(initial, readyMs, drawnRows, changes, quiet, quietMs, oneTransaction, separate);
        }
        finally
        {
            await CloseAsync([page]);
        }
    }

    private static async Task SetStateAsync(NpgsqlDataSource db, long runId, string taskId, string state, CancellationToken ct)
    {
        await using var update = db.CreateCommand("UPDATE task_instance SET state = @state, updated_at = now() WHERE dag_run_id = @run AND task_id = @task");
        update.Parameters.Add(new NpgsqlParameter<string>("state", state));
        update.Parameters.Add(new NpgsqlParameter<long>("run", runId));
        update.Parameters.Add(new NpgsqlParameter<string>("task", taskId));
        if (await update.ExecuteNonQueryAsync(ct) != 1)
        {
            throw new InvalidOperationException($"No task instance {taskId} in run {runId}.");
        }
    }

    private static async Task<List<(long RunId, string TaskId, string? State)>> OriginalStatesAsync(
        NpgsqlDataSource db, long[] runIds, string[] taskIds, CancellationToken ct)
    {
        await using var select = db.CreateCommand("SELECT dag_run_id, task_id, state FROM task_instance WHERE dag_run_id = ANY(@runs) AND task_id = ANY(@tasks)");
        select.Parameters.Add(new NpgsqlParameter<long[]>("runs", runIds));
        select.Parameters.Add(new NpgsqlParameter<string[]>("tasks", taskIds));
        await using var reader = await select.ExecuteReaderAsync(ct);
        var rows = new List<(long, string, string?)>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add((reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return rows;
    }

    /// <summary>Polls on every animation frame, so the time is close to when the browser applied the change.</summary>
    private static Task WaitForStateAsync(IPage page, string taskId, string runId, string state) =>
        page.WaitForFunctionAsync(
            "([task, run, state]) => [...document.querySelectorAll('[data-cell][data-task-id]')]" +
            ".some(c => c.dataset.taskId === task && c.dataset.runId === run && c.dataset.state === state)",
            new[] { taskId, runId, state },
            new() { Timeout = (float)Limit.TotalMilliseconds });

    private static async Task<double> TimeAsync<T>(Func<Task<T>> action)
    {
        // Each measurement starts from a collected heap, so one does not pay for the garbage of the one before.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var stopwatch = Stopwatch.StartNew();
        GC.KeepAlive(await action());
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    private static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}

/// <param name="Ratio">The median of the per-repeat ratios, each of a model build and a raw read taken back to back.</param>
internal sealed record ReadTimes(int Rows, double ModelMs, double RawMs, double Ratio);

internal sealed record FirstPageResult(ReadTimes Model, double GetMs, double GetRatio, int HtmlBytes, int DrawnRows, int DrawnCells);

/// <summary>Heap bytes per open page: the whole increase over N pages ÷ N, and the median step from one page more.</summary>
internal sealed record HeldMemory(double PerPage, double MedianStep);

internal sealed record MemoryResult(int Pages, HeldMemory Trivial, HeldMemory Grid);

internal sealed record ChangeMeasurement(WebSocketTraffic.Counts Traffic, double VisibleMs, double WindowMs);

internal sealed record BurstMeasurement(WebSocketTraffic.Counts Traffic, double CommittedMs, double VisibleMs);

internal sealed record TrafficResult(
    WebSocketTraffic.Counts Initial,
    double ReadyMs,
    int DrawnRows,
    List<ChangeMeasurement> Changes,
    WebSocketTraffic.Counts Quiet,
    double QuietMs,
    BurstMeasurement OneTransaction,
    BurstMeasurement SeparateCommits);

internal sealed record GridResults(
    ReadTimes Model,
    FirstPageResult FirstPage,
    MemoryResult Memory,
    TrafficResult Traffic,
    List<(string State, long Count)> Mix,
    double? OtherLoad,
    GridBenchmarkOptions Options);
