using Dashboard.Core.Queries.Grid;
using Npgsql;
using static Dashboard.Bench.Statistics;
using static Dashboard.Bench.Stopwatches;

namespace Dashboard.Bench;

/// <summary>
/// <see cref="GridQuery.LoadAsync"/> against the raw read of the same task-instance rows. The only
/// part of the benchmark that uses the grid's model directly, so a change to its API touches this
/// file alone.
/// </summary>
internal static class GridModelBuild
{
    private const int WarmUps = 8;

    /// <summary>Taking turns, so a change in the machine's load hits both alike; medians after a warm-up.</summary>
    public static async Task<ReadTimes> MeasureAsync(GridQuery grid, NpgsqlDataSource db, GridDataSet data, int repeats, CancellationToken ct)
    {
        var request = new GridRequest(data.DagId, Limit: data.Runs);
        var runIds = await data.NewestRunIdsAsync(db, data.Runs, ct);
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

        if (snapshot.Runs.Count != data.Runs || snapshot.Tasks.Count != data.Tasks || cells != raw.Count || raw.Count != data.Runs * data.Tasks)
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

        return new ReadTimes(data, raw.Count, Median(model), Median(baseline), PairedRatio(model, baseline));
    }

}

/// <param name="Ratio">The median of the per-repeat ratios, each of a model build and a raw read taken back to back.</param>
internal sealed record ReadTimes(GridDataSet Data, int Rows, double ModelMs, double RawMs, double Ratio);

/// <summary>One task-instance row as the raw-SQL baseline reads it.</summary>
internal sealed record RawTaskInstance(long RunId, string TaskId, string? State, bool HasNote);

/// <summary>The floor for reading the grid's cells: the same rows and columns the grid reads (state and whether there is a note), with a plain command and reader, into a list.</summary>
internal static class RawGridRead
{
    public static async Task<List<RawTaskInstance>> ReadAsync(NpgsqlDataSource db, long[] runIds, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT dag_run_id, task_id, state, note IS NOT NULL FROM task_instance WHERE dag_run_id = ANY(@runs)",
            connection);
        command.Parameters.Add(new NpgsqlParameter<long[]>("runs", runIds));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<RawTaskInstance>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new RawTaskInstance(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetBoolean(3)));
        }

        return rows;
    }
}
