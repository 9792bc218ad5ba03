using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Pause;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Tests.Operations;

public sealed class DagPauseServiceTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    private readonly DagPauseService _service = new(database.DbFactory, TimeProvider.System);

    [Fact]
    public async Task Pausing_changes_the_dag_once_and_records_who_did_it()
    {
        await using (var db = database.CreateContext())
        {
            await TestData.AddDagAsync(db, "pause_me", paused: false);
        }

        Assert.True(await _service.SetPausedAsync("pause_me", paused: true, actor: Actors.Admin("alice")));
        Assert.False(await _service.SetPausedAsync("pause_me", paused: true, actor: Actors.Admin("alice"))); // a double click changes nothing

        await using var check = database.CreateContext();
        Assert.True((await check.Dags.SingleAsync(d => d.DagId == "pause_me")).IsPaused);
        var audit = await check.AuditLog.Where(a => a.DagId == "pause_me").ToListAsync();
        var entry = Assert.Single(audit);
        Assert.Equal(("alice", "dag.pause", 1), (entry.Actor, entry.Action, entry.AffectedCount));
    }

    [Fact]
    public async Task An_unknown_dag_is_refused_and_nothing_is_recorded()
    {
        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => _service.SetPausedAsync("no_such_dag", paused: true, actor: Actors.Admin("bob")));

        Assert.Equal("There is no DAG 'no_such_dag'.", refused.Message);
        await using var check = database.CreateContext();
        Assert.False(await check.AuditLog.AnyAsync(a => a.Actor == "bob"));
    }
}
