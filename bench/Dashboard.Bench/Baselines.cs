using System.Diagnostics;
using Dashboard.Core.Transitions;
using Dashboard.Scheduler.Execution;
using Dashboard.Scheduler.Execution.Containment;
using Npgsql;

namespace Dashboard.Bench;

/// <summary>
/// What the same amount of work costs without the engine, measured on the same machine in the same
/// run: the processes alone, and the state changes alone. Each returns items per second.
/// </summary>
internal static class Baselines
{
    /// <summary>
    /// <paramref name="count"/> <c>bash -c true</c> processes, <paramref name="parallelism"/> at a time,
    /// output redirected and drained like the executor does: the no-op floor of "run a trivial task".
    /// </summary>
    public static Task<double> BashTrueAsync(int count, int parallelism, string workingDirectory, CancellationToken ct) =>
        TimeAsync(count, parallelism, ct, async token =>
        {
            var info = new ProcessStartInfo("bash")
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("true");
            using var process = Process.Start(info) ?? throw new InvalidOperationException("bash did not start.");
            await Task.WhenAll(process.StandardOutput.ReadToEndAsync(token), process.StandardError.ReadToEndAsync(token));
            await process.WaitForExitAsync(token);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"bash -c true exited with {process.ExitCode}.");
            }
        });

    /// <summary>
    /// The same command through the executor's own <see cref="TaskProcess"/> in the try's container
    /// (a cgroup and a wrapper shell that watches the executor where the machine allows it, else a
    /// child subreaper): the process cost a try really pays, without the database.
    /// </summary>
    public static Task<double> TaskProcessAsync(int count, int parallelism, string workingDirectory, TaskContainment containment, CancellationToken ct)
    {
        var tries = 0L;
        return TimeAsync(count, parallelism, ct, async token =>
        {
            var container = containment.Open(new ClaimedTry(Interlocked.Increment(ref tries), 1));
            await using var process = TaskProcess.Start("true", workingDirectory, new Dictionary<string, string>(), container);
            var exitCode = await process.RunAsync(_ => { }, _ => { }, token);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"The task process exited with {exitCode}.");
            }
        });
    }

    /// <summary>
    /// The database floor: every task instance taken through its four state changes (scheduled,
    /// queued, running, success) as single-row autocommit UPDATEs by primary key, on
    /// <paramref name="parallelism"/> connections, in a scratch database of the same cluster.
    /// </summary>
    public static async Task<double> SqlTransitionsAsync(NpgsqlDataSource scratch, int count, int parallelism, CancellationToken ct)
    {
        await using (var setUp = scratch.CreateBatch())
        {
            setUp.BatchCommands.Add(new NpgsqlBatchCommand(
                "CREATE TABLE IF NOT EXISTS baseline_task (id bigint PRIMARY KEY, state text, updated_at timestamptz NOT NULL)"));
            setUp.BatchCommands.Add(new NpgsqlBatchCommand("TRUNCATE baseline_task"));
            setUp.BatchCommands.Add(new NpgsqlBatchCommand(
                $"INSERT INTO baseline_task (id, state, updated_at) SELECT i, NULL, now() FROM generate_series(1, {count}) i"));
            await setUp.ExecuteNonQueryAsync(ct);
        }

        await using (var vacuum = scratch.CreateCommand("VACUUM ANALYZE baseline_task"))
        {
            await vacuum.ExecuteNonQueryAsync(ct);
        }

        string?[] states = [null, "scheduled", "queued", "running", "success"];
        var next = 0L;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, parallelism).Select(async _ =>
        {
            await using var connection = await scratch.OpenConnectionAsync(ct);
            await using var update = new NpgsqlCommand(
                "UPDATE baseline_task SET state = @to, updated_at = now() WHERE id = @id AND state IS NOT DISTINCT FROM @from", connection);
            var id = update.Parameters.Add(new NpgsqlParameter<long>("id", 0L));
            var from = update.Parameters.Add(new NpgsqlParameter<string?>("from", null));
            var to = update.Parameters.Add(new NpgsqlParameter<string?>("to", null));
            while (Interlocked.Increment(ref next) is var row && row <= count)
            {
                id.Value = row;
                for (var step = 1; step < states.Length; step++)
                {
                    from.Value = states[step - 1];
                    to.Value = states[step];
                    if (await update.ExecuteNonQueryAsync(ct) != 1)
                    {
                        throw new InvalidOperationException($"Row {row} did not move to {states[step]}.");
                    }
                }
            }
        }));
        return count / stopwatch.Elapsed.TotalSeconds;
    }

    private static async Task<double> TimeAsync(int count, int parallelism, CancellationToken ct, Func<CancellationToken, Task> one)
    {
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct },
            async (_, token) => await one(token));
        return count / stopwatch.Elapsed.TotalSeconds;
    }
}
