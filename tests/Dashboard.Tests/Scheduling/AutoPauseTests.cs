using System.Text.Json;
using Dashboard.Core.Domain;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Tests.Scheduling;

/// <summary>
/// Airflow's <c>max_consecutive_failed_dag_runs</c>: a DAG whose last N runs all failed is paused by
/// the scheduler, with an audit row and a dag_auto_paused notification.
/// </summary>
public sealed class AutoPauseTests
{
    /// <summary>Its one task fails while the file <c>fail</c> is in the DAG folder (the tasks' working directory).</summary>
    private static string Dag(string dagId, string limit) => $$"""
        dag_id: {{dagId}}
        schedule: null
        {{limit}}
        notifications:
          on_dag_auto_paused: [ops]
        tasks:
          - {id: work, command: "test ! -f fail"}
        """;

    [Fact]
    public async Task N_failed_runs_in_a_row_pause_the_dag_with_an_audit_row_and_a_notification()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(Dag("flaky", "max_consecutive_failed_dag_runs: 2"));
        engine.WriteDagFile("fail", "");

        var first = await RunOnceAsync(engine, dagId, DagRunState.Failed);
        Assert.False(await IsPausedAsync(engine, dagId));
        var second = await RunOnceAsync(engine, dagId, DagRunState.Failed);

        Assert.True(await IsPausedAsync(engine, dagId));
        await using var db = engine.CreateContext();
        var audit = await db.AuditLog.SingleAsync(a => a.Action == "dag.auto_pause");
        Assert.Equal(("scheduler", dagId, 1), (audit.Actor, audit.DagId, audit.AffectedCount));
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), audit.RunIds);
        using var details = JsonDocument.Parse(audit.Details);
        Assert.Equal(2, details.RootElement.GetProperty("max_consecutive_failed_dag_runs").GetInt32());
        Assert.Equal(2, details.RootElement.GetProperty("failed_run_ids").GetArrayLength());
        Assert.Equal([(dagId, "ops")], await NotificationsAsync(engine));
    }

    [Fact]
    public async Task A_success_in_between_starts_the_count_again()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(Dag("flaky", "max_consecutive_failed_dag_runs: 2"));

        engine.WriteDagFile("fail", "");
        await RunOnceAsync(engine, dagId, DagRunState.Failed);
        engine.DeleteDagFile("fail");
        await RunOnceAsync(engine, dagId, DagRunState.Success);
        engine.WriteDagFile("fail", "");
        await RunOnceAsync(engine, dagId, DagRunState.Failed);
        Assert.False(await IsPausedAsync(engine, dagId));

        await RunOnceAsync(engine, dagId, DagRunState.Failed);
        Assert.True(await IsPausedAsync(engine, dagId));
    }

    [Fact]
    public async Task Without_a_limit_in_the_file_or_the_settings_nothing_pauses()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync(Dag("flaky", ""));
        engine.WriteDagFile("fail", "");

        for (var i = 0; i < 3; i++)
        {
            await RunOnceAsync(engine, dagId, DagRunState.Failed);
        }

        Assert.False(await IsPausedAsync(engine, dagId));
        Assert.Empty(await NotificationsAsync(engine));
    }

    [Fact]
    public async Task The_setting_is_the_default_and_a_file_saying_0_opts_out()
    {
        await using var engine = await EngineHarness.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["Scheduler:MaxConsecutiveFailedDagRuns"] = "2",
        });
        var byDefault = await engine.AddDagAsync(Dag("by_default", ""));
        var optedOut = await engine.AddDagAsync(Dag("opted_out", "max_consecutive_failed_dag_runs: 0"));
        engine.WriteDagFile("fail", "");

        for (var i = 0; i < 2; i++)
        {
            await RunOnceAsync(engine, byDefault, DagRunState.Failed);
            await RunOnceAsync(engine, optedOut, DagRunState.Failed);
        }

        Assert.True(await IsPausedAsync(engine, byDefault));
        Assert.False(await IsPausedAsync(engine, optedOut));
    }

    /// <summary>Triggers a run a minute after the last, runs it to the end and checks how it ended; returns its run id.</summary>
    private static async Task<string> RunOnceAsync(EngineHarness engine, string dagId, DagRunState expected)
    {
        engine.Clock.Advance(TimeSpan.FromMinutes(1));
        var runId = await engine.TriggerAsync(dagId);
        await engine.RunUntilAsync(async () => (await engine.RunsAsync(dagId)).Single(r => r.RunId == runId).State is DagRunState.Success or DagRunState.Failed);
        Assert.Equal(expected, (await engine.RunsAsync(dagId)).Single(r => r.RunId == runId).State);
        return runId;
    }

    private static async Task<bool> IsPausedAsync(EngineHarness engine, string dagId)
    {
        await using var db = engine.CreateContext();
        return await db.Dags.Where(d => d.DagId == dagId).Select(d => d.IsPaused).SingleAsync();
    }

    private static async Task<List<(string? DagId, string Channel)>> NotificationsAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        return await db.QueryAsync("SELECT dag_id, channel FROM notification WHERE kind = @kind ORDER BY id",
            r => (r.IsDBNull(0) ? null : r.GetString(0), r.GetString(1)), CancellationToken.None, P("kind", "dag_auto_paused"));
    }
}
