using System.Diagnostics;
using System.Globalization;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Notifications;
using Dashboard.Core.Transitions;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;
using Xunit.Abstractions;

namespace Dashboard.Tests.Notifications;

/// <summary>Task-instance changes, from commit to a subscriber, through real triggers and a real LISTEN connection.</summary>
public sealed class PostgresChangeListenerTests(ITestOutputHelper output)
{
    private const string TwoTasks = """
        dag_id: {0}
        schedule: null
        tasks:
          - id: extract
            kind: empty
          - id: load
            kind: empty
            upstream: [extract]
        """;

    [Fact]
    public async Task A_committed_task_state_change_reaches_the_dags_subscribers_within_a_second_and_no_one_else()
    {
        await using var engine = await EngineHarness.CreateAsync(output: output);
        var dagId = await engine.AddDagAsync(string.Format(TwoTasks, "watched"));
        var otherDag = await engine.AddDagAsync(string.Format(TwoTasks, "unwatched"));
        var run = await TriggerAsync(engine, dagId);
        await engine.StartListeningAsync();
        using var watched = RecordedChanges.Subscribe(engine.Notifier, dagId);
        using var unwatched = RecordedChanges.Subscribe(engine.Notifier, otherDag);

        await ScheduleAsync(engine, run, "extract");

        var batch = Assert.Single(await watched.WaitForRunAsync(run, TimeSpan.FromSeconds(1)));
        Assert.Equal([dagId], batch.DagIds);
        Assert.Equal([run], batch.RunIds);
        Assert.False(batch.Resync);

        // The other DAG's own change comes later; had the first reached its subscriber, it would be there by now.
        await engine.PauseAsync(otherDag);
        var heard = await unwatched.WaitForDagAsync(otherDag);
        Assert.Equal([otherDag], Assert.Single(heard).DagIds);
    }

    [Fact]
    public async Task A_rolled_back_change_is_never_announced()
    {
        await using var engine = await EngineHarness.CreateAsync(output: output);
        var dagId = await engine.AddDagAsync(string.Format(TwoTasks, "undecided"));
        var rolledBack = await TriggerAsync(engine, dagId);
        var committed = await TriggerAsync(engine, dagId);
        await engine.StartListeningAsync();
        using var changes = RecordedChanges.Subscribe(engine.Notifier, dagId);

        await using (var db = engine.CreateContext())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            Assert.Equal(1, await TaskInstanceTransitions.ScheduleAsync(db, [await TaskInstanceIdAsync(engine, rolledBack, "extract")],
                engine.Clock.GetUtcNow(), CancellationToken.None));
            await transaction.RollbackAsync();
        }

        await ScheduleAsync(engine, committed, "extract");

        // Notifications arrive in commit order: once the later commit is heard, a rollback that was announced would be too.
        var batches = await changes.WaitForRunAsync(committed);
        Assert.DoesNotContain(batches, b => b.RunIds.Contains(rolledBack));
    }

    [Fact]
    public async Task A_burst_of_a_thousand_task_changes_arrives_in_a_few_batches_that_name_every_run()
    {
        const int runCount = 200;
        await using var engine = await EngineHarness.CreateAsync(output: output);
        var dagId = await engine.AddDagAsync("""
            dag_id: busy
            schedule: null
            max_active_runs: 200
            tasks:
              - {id: a, kind: empty}
              - {id: b, kind: empty}
              - {id: c, kind: empty}
              - {id: d, kind: empty}
              - {id: e, kind: empty}
            """);
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var runs = (await engine.CreateRunsAsync(dagId, Enumerable.Range(0, runCount)
            .Select(day => EngineHarness.RunFor(DagRunType.Manual, new DataInterval(start.AddDays(day), start.AddDays(day + 1))))
            .ToArray())).Values.Order().ToList();
        await engine.StartListeningAsync();
        // A window of a second, so that even a slow machine commits the burst within a few windows.
        using var changes = RecordedChanges.Subscribe(engine.Notifier, dagId, TimeSpan.FromSeconds(1));

        // Ten transactions of a hundred task instances each, as scheduler passes would make them.
        foreach (var chunk in runs.Chunk(runCount / 10))
        {
            await using var db = engine.CreateContext();
            await using var transaction = await db.Database.BeginTransactionAsync();
            var ids = await db.TaskInstances.Where(t => chunk.Contains(t.DagRunId)).Select(t => t.Id).ToListAsync();
            Assert.Equal(chunk.Length * 5, await TaskInstanceTransitions.ScheduleAsync(db, ids, engine.Clock.GetUtcNow(), CancellationToken.None));
            await transaction.CommitAsync();
        }

        var batches = await changes.WaitForAsync(b => b.SelectMany(batch => batch.RunIds).ToHashSet().IsSupersetOf(runs));
        Assert.InRange(batches.Count, 1, 5);
        Assert.All(batches, b => Assert.Equal([dagId], b.DagIds));
    }

    [Fact]
    public async Task A_terminated_listening_connection_reconnects_and_subscribers_resync()
    {
        await using var engine = await EngineHarness.CreateAsync(output: output);
        var dagId = await engine.AddDagAsync(string.Format(TwoTasks, "resilient"));
        var run = await TriggerAsync(engine, dagId);
        await engine.StartListeningAsync();
        using var changes = RecordedChanges.Subscribe(engine.Notifier, dagId);

        Assert.Equal(1, await TerminateListenerAsync(engine.ConnectionString));

        // A terminated backend says so on the socket: the listener is back within its first retry delay, well inside this bound.
        await changes.WaitForAsync(batches => batches.Any(b => b.Resync), TimeSpan.FromSeconds(10));
        var batch = Assert.Single(changes.Batches);
        Assert.True(batch.Touches(dagId));

        await ScheduleAsync(engine, run, "extract");
        await changes.WaitForRunAsync(run);

        var warning = Assert.Single(engine.Log.Problems, p => p.Category == typeof(PostgresChangeListener).FullName);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Null(warning.Exception);
        Assert.Contains("terminating connection due to administrator command", warning.Message);
    }

    [Fact]
    public async Task A_listening_connection_whose_server_stops_answering_is_replaced_and_subscribers_resync()
    {
        await using var engine = await EngineHarness.CreateAsync(output: output);
        var dagId = await engine.AddDagAsync(string.Format(TwoTasks, "hung"));
        var run = await TriggerAsync(engine, dagId);
        await engine.StartListeningAsync();
        using var changes = RecordedChanges.Subscribe(engine.Notifier, dagId);

        // A frozen backend keeps its socket open and says nothing, like a server behind a cut network.
        var backend = await ListenerBackendAsync(engine.ConnectionString);
        Signal("STOP", backend);
        try
        {
            // Noticed by the ping after 5 quiet seconds, which gets no answer within 3.
            await changes.WaitForAsync(batches => batches.Any(b => b.Resync));
        }
        finally
        {
            Signal("CONT", backend);
        }

        await ScheduleAsync(engine, run, "extract");
        await changes.WaitForRunAsync(run);
        var warning = Assert.Single(engine.Log.Problems, p => p.Category == typeof(PostgresChangeListener).FullName);
        Assert.Contains("the server did not answer in time", warning.Message);
    }

    [Fact]
    public async Task A_change_made_by_one_instance_reaches_the_subscribers_of_another()
    {
        await using var first = await EngineHarness.CreateAsync(output: output);
        await using var second = first.AddInstance(output: output);
        var dagId = await first.AddDagAsync(string.Format(TwoTasks, "shared"));
        var run = await TriggerAsync(first, dagId);
        await second.StartListeningAsync();
        using var changes = RecordedChanges.Subscribe(second.Notifier, dagId);

        await ScheduleAsync(first, run, "extract");

        Assert.Equal([run], Assert.Single(await changes.WaitForRunAsync(run)).RunIds);
    }

    /// <summary>A manual run; returns its database id (what notifications carry).</summary>
    private static async Task<long> TriggerAsync(EngineHarness engine, string dagId)
    {
        var runId = await engine.TriggerAsync(dagId);
        return (await engine.RunsAsync(dagId)).Single(r => r.RunId == runId).Id;
    }

    private static async Task<long> TaskInstanceIdAsync(EngineHarness engine, long run, string taskId)
    {
        await using var db = engine.CreateContext();
        return await db.TaskInstances.Where(t => t.DagRunId == run && t.TaskId == taskId).Select(t => t.Id).SingleAsync();
    }

    /// <summary>none → scheduled, committed, through the one door for task-instance state.</summary>
    private static async Task ScheduleAsync(EngineHarness engine, long run, string taskId)
    {
        var id = await TaskInstanceIdAsync(engine, run, taskId);
        await using var db = engine.CreateContext();
        await using var transaction = await db.Database.BeginTransactionAsync();
        Assert.Equal(1, await TaskInstanceTransitions.ScheduleAsync(db, [id], engine.Clock.GetUtcNow(), CancellationToken.None));
        await transaction.CommitAsync();
    }

    private static async Task<int> ListenerBackendAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand(
            "SELECT pid FROM pg_stat_activity WHERE application_name = @name AND datname = current_database()", connection);
        query.Parameters.AddWithValue("name", PostgresChangeListener.ApplicationName);
        return (int)(await query.ExecuteScalarAsync())!;
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>What a database restart or an administrator does to the listener; returns how many backends were ended.</summary>
    private static async Task<int> TerminateListenerAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var terminate = new NpgsqlCommand("""
            SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int FROM pg_stat_activity
            WHERE application_name = @name AND datname = current_database()
            """, connection);
        terminate.Parameters.AddWithValue("name", PostgresChangeListener.ApplicationName);
        return (int)(await terminate.ExecuteScalarAsync())!;
    }
}
