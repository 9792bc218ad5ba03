using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
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

/// <summary>
/// A DAG file's access_control: every state-changing service refuses whom it does not list, after
/// the role check, with nothing changed; whom it lists, a role it lists or above, and Admins may act.
/// </summary>
public sealed class DagAccessTests : IAsyncLifetime
{
    private const string Dag = "finance_report";
    private EngineHarness _engine = null!;
    private string _run = "";
    private int _backfill;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        await AddDagAsync("access_control:\n  can_edit: [Op, alice]");
        var day = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _run = (await _engine.CreateRunsAsync(Dag, EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day, day.AddDays(1))))).Keys.Single();
        await using var db = _engine.CreateContext();
        await db.TaskInstances.ExecuteUpdateAsync(s => s.SetProperty(t => t.State, TaskInstanceState.Failed).SetProperty(t => t.TryNumber, 1));
        await db.DagRuns.ExecuteUpdateAsync(s => s.SetProperty(r => r.State, DagRunState.Failed));
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    /// <summary>Each action with the role it needs: the actors below have that role, so only access_control stands in their way.</summary>
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
    public async Task Each_action_is_refused_to_whom_access_control_does_not_list_and_allowed_to_a_listed_user(string action, Role role)
    {
        await AddDagAsync("access_control:\n  can_edit: [Admin, alice]");
        await AddBackfillFor(action);
        var before = await WorldAsync();

        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => ActAsync(action, Actors.As(role, "bob")));

        Assert.Contains($"of DAG '{Dag}': only Admin, alice (and Admins) may change it.", refused.Message);
        Assert.StartsWith("bob may not ", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, await WorldAsync());
        await using (var db = _engine.CreateContext())
        {
            Assert.False(await db.AuditLog.AnyAsync());
        }

        await ActAsync(action, Actors.As(role, "Alice")); // user names match in any case, as sign-in does

        Assert.NotEqual(before, await WorldAsync());
        await using var check = _engine.CreateContext();
        Assert.Equal("Alice", (await check.AuditLog.SingleAsync()).Actor);
    }

    [Theory]
    [InlineData(Role.Op, "carol")] // the listed role
    [InlineData(Role.Admin, "dave")] // a role above it, and Admins always
    [InlineData(Role.User, "alice")] // a listed user whose role grants the action
    public async Task A_listed_role_a_higher_role_and_a_listed_user_may_change_the_dag(Role role, string name)
    {
        await ActAsync("clear", Actors.As(role, name));

        await using var db = _engine.CreateContext();
        Assert.Equal(name, (await db.AuditLog.SingleAsync()).Actor);
    }

    [Fact]
    public async Task A_role_below_the_listed_one_is_refused()
    {
        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => ActAsync("clear", Actors.As(Role.User, "bob")));

        Assert.Equal($"bob may not clear task instances of DAG '{Dag}': only Op, alice (and Admins) may change it.", refused.Message);
    }

    [Fact]
    public async Task The_role_check_comes_first_so_a_listed_viewer_still_cannot_clear()
    {
        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => ActAsync("clear", Actors.As(Role.Viewer, "alice")));

        Assert.Contains("needs the User role", refused.Message);
    }

    [Fact]
    public async Task Removing_access_control_from_the_file_lifts_the_restriction_at_the_next_parse()
    {
        await Assert.ThrowsAsync<AccessDeniedException>(() => ActAsync("run note", Actors.As(Role.User, "bob")));

        await AddDagAsync("");
        await ActAsync("run note", Actors.As(Role.User, "bob"));

        await using var db = _engine.CreateContext();
        Assert.Null((await db.Dags.SingleAsync()).EditAccess);
        Assert.Equal("bob", (await db.AuditLog.SingleAsync()).Actor);
    }

    [Fact]
    public async Task Demand_reads_several_dags_at_once_names_each_refusing_one_and_skips_unknown_ids()
    {
        await _engine.AddDagAsync("""
            dag_id: ledger
            access_control: {can_edit: [carol]}
            tasks:
              - {id: only, kind: empty}
            """, unpause: false);
        await _engine.AddDagAsync("""
            dag_id: open_dag
            tasks:
              - {id: only, kind: empty}
            """, unpause: false);
        await using var db = _engine.CreateContext();

        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() =>
            DagAccess.DemandAsync(db, Actors.As(Role.User, "bob"), [Dag, "ledger", "open_dag", "no_such_dag"], "clear task instances", default));

        Assert.Equal(
            $"bob may not clear task instances of DAG '{Dag}': only Op, alice (and Admins) may change it; DAG 'ledger': only carol (and Admins) may change it.",
            refused.Message);
        await DagAccess.DemandAsync(db, Actors.As(Role.User, "bob"), ["open_dag", "no_such_dag"], "clear task instances", default);
        await DagAccess.DemandAsync(db, Actors.As(Role.Admin, "root"), [Dag, "ledger"], "clear task instances", default);
    }

    [Fact]
    public void Can_change_without_a_list_for_admins_for_listed_users_and_roles_at_or_above_a_listed_one()
    {
        IReadOnlyList<string> editors = ["Op", "alice"];

        Assert.True(DagAccess.CanChange(Actors.As(Role.User, "bob"), null));
        Assert.True(DagAccess.CanChange(Actors.As(Role.Admin, "root"), ["carol"]));
        Assert.True(DagAccess.CanChange(Actors.As(Role.User, "ALICE"), editors));
        Assert.True(DagAccess.CanChange(Actors.As(Role.Op, "carol"), editors));
        Assert.True(DagAccess.CanChange(Actors.As(Role.Viewer, "anyone"), ["viewer"]));
        Assert.False(DagAccess.CanChange(Actors.As(Role.User, "bob"), editors));
        Assert.False(DagAccess.CanChange(Actors.As(Role.Op, "alicia"), ["Admin", "alice"]));
    }

    /// <summary>Writes the DAG file again with <paramref name="accessControl"/> and parses it, as the DAG-file processor does on every pass.</summary>
    private Task AddDagAsync(string accessControl) => _engine.AddDagAsync($$"""
        dag_id: finance_report
        schedule: "@daily"
        start_date: 2026-01-01
        tasks:
          - {id: only, kind: empty}
        {{accessControl}}
        """, unpause: false);

    private async Task AddBackfillFor(string action)
    {
        if (action.EndsWith(" backfill", StringComparison.Ordinal))
        {
            // Something to pause, unpause or cancel: an active backfill, paused when the action is to unpause it.
            var march = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
            _backfill = await _engine.AddBackfillAsync(Dag, [new DataInterval(march, march.AddDays(1))], maxActiveRuns: 1, paused: action == "unpause backfill");
        }
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
