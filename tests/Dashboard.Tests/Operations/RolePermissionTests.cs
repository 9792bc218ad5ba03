using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Backfill;
using Dashboard.Core.Operations.Clear;
using Dashboard.Core.Operations.Mark;
using Dashboard.Core.Operations.Notes;
using Dashboard.Core.Operations.Pause;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Operations.Trigger;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Operations;

/// <summary>Every state-changing service checks the actor's role itself: a caller that skips the UI gets a refusal and nothing changes.</summary>
public sealed class RolePermissionTests : IAsyncLifetime
{
    private const string Dag = "guarded";
    private EngineHarness _engine = null!;
    private string _run = "";
    private int _backfill;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        await _engine.AddDagAsync("""
            dag_id: guarded
            schedule: "@daily"
            start_date: 2026-01-01
            tasks:
              - {id: only, kind: empty}
            """, unpause: false);
        var day = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _run = (await _engine.CreateRunsAsync(Dag, EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day, day.AddDays(1))))).Keys.Single();
        await using var db = _engine.CreateContext();
        await db.TaskInstances.ExecuteUpdateAsync(s => s.SetProperty(t => t.State, TaskInstanceState.Failed).SetProperty(t => t.TryNumber, 1));
        await db.DagRuns.ExecuteUpdateAsync(s => s.SetProperty(r => r.State, DagRunState.Failed));
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    public static TheoryData<string, Role> Actions() => new()
    {
        { "clear", Role.User },
        { "mark", Role.User },
        { "mark run", Role.User },
        { "trigger", Role.User },
        { "note", Role.User },
        { "run note", Role.User },
        { "pause dag", Role.Op },
        { "backfill", Role.Op },
        { "pause backfill", Role.Op },
        { "unpause backfill", Role.Op },
        { "cancel backfill", Role.Op },
    };

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task Each_action_is_refused_below_its_role_and_allowed_from_it(string action, Role needed)
    {
        if (action.EndsWith(" backfill", StringComparison.Ordinal))
        {
            // Something to pause, unpause or cancel: an active backfill, paused when the action is to unpause it.
            var march = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
            _backfill = await _engine.AddBackfillAsync(Dag, [new DataInterval(march, march.AddDays(1))], maxActiveRuns: 1, paused: action == "unpause backfill");
        }

        var before = await WorldAsync();
        foreach (var role in Enum.GetValues<Role>().Where(r => r < needed))
        {
            var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => ActAsync(action, Actors.As(role)));
            Assert.Contains($"needs the {needed} role", refused.Message);
        }

        Assert.Equal(before, await WorldAsync());
        await using (var db = _engine.CreateContext())
        {
            Assert.False(await db.AuditLog.AnyAsync());
        }

        await ActAsync(action, Actors.As(needed));

        Assert.NotEqual(before, await WorldAsync());
        await using var check = _engine.CreateContext();
        Assert.Equal(needed.ToString().ToLowerInvariant(), (await check.AuditLog.SingleAsync()).Actor);
    }

    [Fact]
    public void Roles_include_the_rights_of_the_ones_below()
    {
        Assert.All(Enum.GetValues<Permission>(), p => Assert.True(Actors.As(Role.Admin).Can(p)));
        Assert.All(Enum.GetValues<Permission>(), p => Assert.False(Actors.As(Role.Viewer).Can(p)));
        Assert.True(Actors.As(Role.Op).Can(Permission.ClearAndMark));
        Assert.False(Actors.As(Role.Op).Can(Permission.ManageUsers));
        Assert.False(Actors.As(Role.User).Can(Permission.Backfill));
    }

    /// <summary>Everything the actions change, as one comparable value.</summary>
    private async Task<string> WorldAsync()
    {
        await using var db = _engine.CreateContext();
        var instances = await db.TaskInstances.OrderBy(t => t.Id).Select(t => $"{t.Id}:{t.State}:{t.TryNumber}:{t.Note}").ToListAsync();
        var runs = await db.DagRuns.OrderBy(r => r.Id).Select(r => $"{r.Id}:{r.State}:{r.Note}").ToListAsync();
        var backfills = await db.Backfills.OrderBy(b => b.Id).Select(b => $"{b.Id}:{b.IsPaused}:{b.CompletedAt}").ToListAsync();
        var paused = (await db.Dags.SingleAsync()).IsPaused;
        return string.Join(" | ", instances.Concat(runs).Concat(backfills).Append($"paused:{paused}"));
    }

    private Task ActAsync(string action, Actor actor)
    {
        var services = _engine.Services;
        return action switch
        {
            "clear" => services.GetRequiredService<ClearService>().ExecuteAsync(
                new ClearRequest(Dag, [TaskTarget.Task(_run, "only")], new ClearOptions(Relatives.None), actor)),
            "mark" => services.GetRequiredService<MarkService>().ExecuteAsync(
                new MarkRequest(Dag, [TaskTarget.Task(_run, "only")], TaskInstanceState.Success, Relatives.None, actor)),
            "mark run" => services.GetRequiredService<MarkRunService>().ExecuteAsync(new MarkRunRequest(Dag, _run, DagRunState.Success, actor)),
            "note" => services.GetRequiredService<NoteService>().SetAsync(new SetNoteRequest(NoteTarget.TaskInstance(Dag, _run, "only"), "why it failed", actor)),
            "run note" => services.GetRequiredService<NoteService>().SetAsync(new SetNoteRequest(NoteTarget.Run(Dag, _run), "why it failed", actor)),
            "trigger" => services.GetRequiredService<DagTriggerService>().TriggerAsync(new TriggerRequest(Dag, null, null, actor, DagRunTriggeredBy.Ui)),
            "pause dag" => services.GetRequiredService<DagPauseService>().SetPausedAsync(Dag, paused: false, actor),
            "backfill" => services.GetRequiredService<BackfillService>().CreateAsync(new BackfillRequest(Dag,
                new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 2, 3, 0, 0, 0, TimeSpan.Zero), actor)),
            "pause backfill" => services.GetRequiredService<BackfillService>().SetPausedAsync(_backfill, paused: true, actor),
            "unpause backfill" => services.GetRequiredService<BackfillService>().SetPausedAsync(_backfill, paused: false, actor),
            "cancel backfill" => services.GetRequiredService<BackfillService>().CancelAsync(_backfill, actor),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
        };
    }
}
