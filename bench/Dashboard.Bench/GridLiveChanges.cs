using System.Diagnostics;
using Dashboard.Testing;
using Microsoft.Playwright;
using Npgsql;
using NpgsqlTypes;
using static Dashboard.Bench.BenchPages;
using static Dashboard.Bench.Statistics;

namespace Dashboard.Bench;

/// <summary>
/// What a committed change costs an open grid: the time until the browser shows it and the
/// WebSocket bytes and render batches it takes, for single cell changes, an equally long quiet
/// period and bursts of 1,000 changes. The cells are picked from the data set's rows in the
/// database, not from the grid's model, so this measurement does not depend on the model's API.
/// </summary>
internal static class GridLiveChanges
{
    /// <summary>Task rows whose cells (× the window's runs) a burst changes: 1,000 cells at 25 runs.</summary>
    public const int BurstRows = 40;

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    public static async Task<TrafficResult> MeasureAsync(
        BrowserFixture browser, DashboardAppHost app, NpgsqlDataSource db, CircuitCounter circuits, GridScenario scenario, int changeRepeats, CancellationToken ct)
    {
        var data = scenario.Data;
        // Oldest first, as the grid's columns; the grid's first task rows are the first group's first tasks.
        var runs = (await NewestRunsAsync(db, data, scenario.Runs, ct)).AsEnumerable().Reverse().ToList();
        var changedTask = data.TaskId(1, 5);
        var changedRun = await NewestRunWhereSucceededAsync(db, runs, changedTask, ct);
        var burstTasks = Enumerable.Range(1, BurstRows).Select(task => data.TaskId(1, task)).ToArray();

        var page = await NewPageAsync(browser, app, circuits, ct);
        try
        {
            var traffic = await WebSocketTraffic.AttachAsync(page);
            var clock = Stopwatch.StartNew();
            await page.GotoAsync(Url(app, scenario.Path));
            await page.Locator(GridReady).WaitForAsync(new() { Timeout = LimitMs });
            var readyMs = clock.Elapsed.TotalMilliseconds;
            await traffic.WaitForQuietAsync(Settle, Limit, ct);
            var initial = traffic.Now();
            var drawnRows = await page.Locator(".grid-row").CountAsync();
            Progress($"Initial interactive render: {initial.Bytes:N0} bytes in {initial.Frames} frames, {drawnRows} rows drawn");

            // Success ↔ failed on one cell of a row near the top, in the newest run where it succeeded.
            var changes = new List<ChangeMeasurement>();
            for (var i = 0; i < changeRepeats; i++)
            {
                var state = i % 2 == 0 ? "failed" : "success";
                var before = traffic.Now();
                clock.Restart();
                await SetStateAsync(db, changedRun.Id, changedTask, state, ct);
                await WaitForStateAsync(page, changedTask, changedRun.RunId, state);
                var visibleMs = clock.Elapsed.TotalMilliseconds;
                await Task.Delay(Settle, ct);
                changes.Add(new ChangeMeasurement(traffic.Now() - before, visibleMs, clock.Elapsed.TotalMilliseconds));
                Progress($"One cell change: {changes[^1].Traffic.Bytes:N0} bytes in {changes[^1].Traffic.Frames} frames, visible after {visibleMs:0} ms");
            }

            // Restore the seeded state if the repeats left it failed.
            if (changeRepeats % 2 == 1)
            {
                await SetStateAsync(db, changedRun.Id, changedTask, "success", ct);
                await WaitForStateAsync(page, changedTask, changedRun.RunId, "success");
                await traffic.WaitForQuietAsync(Settle, Limit, ct);
            }

            var quietMs = Median(changes.Select(c => c.WindowMs).ToList());
            var quietStart = traffic.Now();
            await Task.Delay(TimeSpan.FromMilliseconds(quietMs), ct);
            var quiet = traffic.Now() - quietStart;

            // Bursts: the first task rows × every run of the window. The cell watched is the one committed last.
            var runIds = runs.Select(r => r.Id).ToArray();
            var originals = await OriginalStatesAsync(db, runIds, burstTasks, ct);
            var watched = (TaskId: burstTasks[0], Run: runs[^1]);

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

            return new TrafficResult(scenario, initial, readyMs, drawnRows, changes, quiet, quietMs, oneTransaction, separate, originals.Count);
        }
        finally
        {
            await CloseAsync([page]);
        }
    }

    /// <summary>The newest <paramref name="count"/> runs, newest first, as the grid picks its window.</summary>
    private static async Task<List<(long Id, string RunId)>> NewestRunsAsync(NpgsqlDataSource db, GridDataSet data, int count, CancellationToken ct)
    {
        await using var select = db.CreateCommand("SELECT id, run_id FROM dag_run WHERE dag_id = @dag ORDER BY run_after DESC, id DESC LIMIT @count");
        select.Parameters.Add(new NpgsqlParameter<string>("dag", data.DagId));
        select.Parameters.Add(new NpgsqlParameter<int>("count", count));
        await using var reader = await select.ExecuteReaderAsync(ct);
        var runs = new List<(long, string)>();
        while (await reader.ReadAsync(ct))
        {
            runs.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return runs;
    }

    private static async Task<(long Id, string RunId)> NewestRunWhereSucceededAsync(
        NpgsqlDataSource db, List<(long Id, string RunId)> runs, string taskId, CancellationToken ct)
    {
        await using var select = db.CreateCommand("SELECT dag_run_id FROM task_instance WHERE dag_run_id = ANY(@runs) AND task_id = @task AND state = 'success'");
        select.Parameters.Add(new NpgsqlParameter<long[]>("runs", runs.Select(r => r.Id).ToArray()));
        select.Parameters.Add(new NpgsqlParameter<string>("task", taskId));
        var succeeded = new HashSet<long>();
        await using (var reader = await select.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                succeeded.Add(reader.GetInt64(0));
            }
        }

        return runs.Last(r => succeeded.Contains(r.Id));
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
            new() { Timeout = LimitMs });
}

internal sealed record ChangeMeasurement(WebSocketTraffic.Counts Traffic, double VisibleMs, double WindowMs);

internal sealed record BurstMeasurement(WebSocketTraffic.Counts Traffic, double CommittedMs, double VisibleMs);

/// <param name="BurstCells">The cells each burst changes.</param>
internal sealed record TrafficResult(
    GridScenario Scenario,
    WebSocketTraffic.Counts Initial,
    double ReadyMs,
    int DrawnRows,
    List<ChangeMeasurement> Changes,
    WebSocketTraffic.Counts Quiet,
    double QuietMs,
    BurstMeasurement OneTransaction,
    BurstMeasurement SeparateCommits,
    int BurstCells);
