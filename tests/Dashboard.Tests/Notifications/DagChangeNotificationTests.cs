using Dashboard.Core.Auditing;
using Dashboard.Core.Operations.Pause;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dashboard.Tests.Notifications;

/// <summary>Changes to DAGs themselves (<c>dag_id|0</c>) and to the import errors (<c>|0</c>), from commit to a subscriber.</summary>
public sealed class DagChangeNotificationTests(ITestOutputHelper output)
{
    private static string Dag(string dagId, string description = "A DAG") => $"""
        dag_id: {dagId}
        description: {description}
        schedule: "@daily"
        start_date: 2024-01-01
        tasks:
          - id: only
            kind: empty
        """;

    [Fact]
    public async Task Pausing_a_dag_announces_the_dag_itself_not_one_of_its_runs()
    {
        await using var engine = await EngineHarness.CreateAsync(output: output);
        var dagId = await engine.AddDagAsync(Dag("pausable"));
        await engine.StartListeningAsync();
        using var changes = RecordedChanges.Subscribe(engine.Notifier, dagId);

        Assert.True(await engine.Services.GetRequiredService<DagPauseService>().SetPausedAsync(dagId, paused: true, actor: Actors.Admin("alice")));

        var batch = Assert.Single(await changes.WaitForDagAsync(dagId));
        Assert.Equal([dagId], batch.DagIds);
        Assert.Empty(batch.RunIds);
        Assert.False(batch.Unscoped);
    }

    [Fact]
    public async Task A_rescan_announces_a_dag_only_when_something_a_page_shows_changed()
    {
        await using var engine = await EngineHarness.CreateAsync(output: output);
        var dagId = await engine.AddDagAsync(Dag("stable"));
        var marker = await engine.AddDagAsync(Dag("marker"));
        var parsedBefore = await LastParsedAtAsync(engine, dagId);
        await engine.StartListeningAsync();
        using var changes = RecordedChanges.Subscribe(engine.Notifier, dagId: null);

        await engine.ProcessDagFilesAsync();
        Assert.NotEqual(parsedBefore, await LastParsedAtAsync(engine, dagId)); // the rescan did touch the row
        await engine.PauseAsync(marker);

        // Notifications arrive in commit order: had the rescan been announced, it would be here before the marker.
        Assert.DoesNotContain(await changes.WaitForDagAsync(marker), b => b.DagIds.Contains(dagId));

        engine.WriteDagFile($"{dagId}.yaml", Dag(dagId, description: "A better description"));
        await engine.ProcessDagFilesAsync();
        await changes.WaitForDagAsync(dagId);
    }

    [Fact]
    public async Task Import_errors_are_announced_to_all_dag_subscribers_only_when_they_change()
    {
        await using var engine = await EngineHarness.CreateAsync(output: output);
        var dagId = await engine.AddDagAsync(Dag("neighbour"));
        await engine.StartListeningAsync();
        using var everything = RecordedChanges.Subscribe(engine.Notifier, dagId: null);
        using var oneDag = RecordedChanges.Subscribe(engine.Notifier, dagId);

        engine.WriteDagFile("broken.yaml", "dag_id: broken\nschedule: every now and then\n");
        await engine.ProcessDagFilesAsync();
        var arrived = await everything.WaitForAsync(batches => batches.Any(b => b.Unscoped));
        Assert.Empty(Assert.Single(arrived).DagIds);

        // A rescan that finds the same errors changes nothing a page shows.
        await engine.ProcessDagFilesAsync();
        await engine.PauseAsync(dagId);
        var upToMarker = await everything.WaitForDagAsync(dagId);
        Assert.DoesNotContain(upToMarker.Skip(arrived.Count), b => b.Unscoped);
        Assert.DoesNotContain(await oneDag.WaitForDagAsync(dagId), b => b.Unscoped);

        engine.DeleteDagFile("broken.yaml");
        await engine.ProcessDagFilesAsync();
        await everything.WaitForAsync(batches => batches.Skip(upToMarker.Count).Any(b => b.Unscoped));
    }

    [Fact]
    public async Task An_audit_row_is_announced_as_its_dags_change_or_to_all_dag_subscribers_when_it_is_about_no_dag()
    {
        await using var engine = await EngineHarness.CreateAsync(output: output);
        var dagId = await engine.AddDagAsync(Dag("audited"));
        await engine.StartListeningAsync();
        using var everything = RecordedChanges.Subscribe(engine.Notifier, dagId: null);
        using var oneDag = RecordedChanges.Subscribe(engine.Notifier, dagId);

        await using (var db = engine.CreateContext())
        {
            // An action that changes no state a page shows still shows on the audit log.
            AuditWriter.Record(db, engine.Clock.GetUtcNow(), Actors.Admin("alice"), "user.create", dagId: null, affectedCount: 1);
            await db.SaveChangesAsync();
        }

        var unscoped = await everything.WaitForAsync(batches => batches.Any(b => b.Unscoped));
        Assert.Empty(Assert.Single(unscoped).DagIds);

        await using (var db = engine.CreateContext())
        {
            AuditWriter.Record(db, engine.Clock.GetUtcNow(), Actors.Admin("alice"), "dag.note", dagId, affectedCount: 1);
            await db.SaveChangesAsync();
        }

        var batch = Assert.Single(await oneDag.WaitForDagAsync(dagId));
        Assert.Empty(batch.RunIds);
        Assert.False(batch.Unscoped);
    }

    private static async Task<DateTimeOffset?> LastParsedAtAsync(EngineHarness engine, string dagId)
    {
        await using var db = engine.CreateContext();
        return await db.Dags.Where(d => d.DagId == dagId).Select(d => d.LastParsedAt).SingleAsync();
    }
}
