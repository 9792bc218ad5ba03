using System.Text.Json;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Clear;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Dashboard.Tests.Operations.GridDag;

namespace Dashboard.Tests.Operations;

/// <summary>
/// Which task instances a clear selects, and what it does to each of them, on <see cref="GridDag"/>
/// as <see cref="GridDag.States"/> sets it up. A case names its request and the exact selection,
/// in grid order; the effect is checked against Airflow's rule, written once in <see cref="Expect"/>.
/// </summary>
public sealed class ClearSelectionTests(GridDagFixture grid) : IClassFixture<GridDagFixture>
{
    /// <param name="Selected">"d1: a b | d2: c", in the order the preview lists them.</param>
    public sealed record Applied(ClearRequest Request, string Selected);

    /// <param name="Selected">What the preview still lists, when the refusal comes from it; null when the request itself is refused.</param>
    /// <param name="Refusal">What the refusal says (a part of the message).</param>
    public sealed record Refused(ClearRequest Request, string? Selected, string Refusal);

    private static readonly Dictionary<string, Applied> AppliedCases = new()
    {
        ["one task alone"] = new(
            Clear("d1/extract.b"),
            "d1: extract.b"),
        ["upstream, transitively"] = new(
            Clear("d1/transform", upstream: true),
            "d1: start extract.a extract.b extract.c transform"),
        ["downstream, transitively"] = new(
            Clear("d1/extract.b", downstream: true),
            "d1: extract.b transform load.warehouse.x load.y end"),
        ["upstream and downstream, no siblings"] = new(
            Clear("d1/extract.b", upstream: true, downstream: true),
            "d1: start extract.a extract.b transform load.warehouse.x load.y end"),
        ["past: earlier runs by logical date"] = new(
            Clear("d3/extract.a", past: true),
            "d1: extract.a | d2: extract.a | d3: extract.a"),
        ["future: later dated runs; running restarts"] = new(
            Clear("d2/extract.b", future: true, disturbRunning: true),
            "d2: extract.b | d3: extract.b | d4: extract.b"),
        ["past and future: dated runs, no removed"] = new(
            Clear("d2/load.y", past: true, future: true),
            "d1: load.y | d2: load.y | d3: load.y"),
        ["upstream, past and future together"] = new(
            Clear("d3/transform", upstream: true, past: true, future: true, disturbRunning: true),
            "d1: start extract.a extract.b extract.c transform | d2: start extract.a extract.b extract.c transform | " +
            "d3: start extract.a extract.b extract.c transform | d4: start extract.a extract.b extract.c transform"),
        ["only failed"] = new(
            Clear("d1/extract.b d1/extract.c", onlyFailed: true),
            "d1: extract.b"),
        ["only failed after upstream"] = new(
            Clear("d4/transform", upstream: true, onlyFailed: true),
            "d4: extract.a extract.b transform"),
        ["only failed after downstream"] = new(
            Clear("d1/extract.a", downstream: true, onlyFailed: true),
            "d1: extract.b transform load.warehouse.x load.y end"),
        ["only running after downstream"] = new(
            Clear("d3/extract.a", downstream: true, onlyRunning: true, disturbRunning: true),
            "d3: extract.b"),
        ["only running across past, no restarting"] = new(
            Clear("d4/group:extract", past: true, onlyRunning: true, disturbRunning: true),
            "d3: extract.b"),
        ["a group"] = new(
            Clear("d1/group:extract"),
            "d1: extract.a extract.b extract.c"),
        ["a group with a nested group, no removed"] = new(
            Clear("d4/group:load"),
            "d4: load.warehouse.x"),
        ["a nested group with downstream"] = new(
            Clear("d1/group:load.warehouse", downstream: true),
            "d1: load.warehouse.x end"),
        ["a group with past and only failed"] = new(
            Clear("d4/group:extract", past: true, onlyFailed: true),
            "d1: extract.b | d4: extract.a extract.b"),
        ["Clear & Retry a run: all but removed"] = new(
            ClearRequest.ForRun(DagId, D4, onlyFailed: false, Actor, "rerun"),
            "d4: start extract.a extract.b extract.c transform load.warehouse.x end"),
        ["Clear & Retry a running run"] = new(
            ClearRequest.ForRun(DagId, D3, onlyFailed: false, Actor, "rerun"),
            "d3: start extract.a extract.b extract.c transform load.warehouse.x load.y end"),
        ["Clear & Retry only failed"] = new(
            ClearRequest.ForRun(DagId, D1, onlyFailed: true, Actor, "rerun"),
            "d1: extract.b transform load.warehouse.x load.y end"),
        ["Clear & Retry a manual run, no restarting"] = new(
            ClearRequest.ForRun(DagId, M, onlyFailed: false, Actor, "rerun"),
            "m: start extract.a extract.b transform load.warehouse.x load.y end"),
        ["several targets across runs, in grid order"] = new(
            Clear("m/transform d4/extract.a d1/extract.b", downstream: true),
            "d1: extract.b transform load.warehouse.x load.y end | d4: extract.a extract.b transform load.warehouse.x end | " +
            "m: transform load.warehouse.x load.y end"),
        ["a whole run and a group of another run"] = new(
            Clear("d2/* d1/group:load"),
            "d1: load.warehouse.x load.y | d2: start extract.a extract.b extract.c transform load.warehouse.x load.y end"),
    };

    private static readonly Dictionary<string, Refused> RefusedCases = new()
    {
        ["past on a run without a logical date"] = new(
            Clear("m/transform", past: true), null,
            $"Past and Future reach runs by logical date, and run '{M}' has none."),
        ["future on a run without a logical date"] = new(
            Clear("m/transform", future: true), null,
            $"Past and Future reach runs by logical date, and run '{M}' has none."),
        ["past with a dated and an undated run"] = new(
            Clear("d1/extract.a m/extract.a", past: true), null,
            $"and run '{M}' has none"),
        ["no targets"] = new(
            Clear(""), null,
            "Nothing is selected: pick at least one task instance."),
        ["an unknown run"] = new(
            Clear("scheduled__1999-01-01T00:00:00+00:00/extract.a"), null,
            "DAG 'grid' has no run 'scheduled__1999-01-01T00:00:00+00:00'."),
        ["an unknown task"] = new(
            Clear("d1/extract.z"), null,
            $"Run '{D1}' has no task 'extract.z'."),
        ["an unknown group"] = new(
            Clear("d1/group:publish"), null,
            $"Run '{D1}' has no task group 'publish'."),
        ["a group name's prefix is no group"] = new(
            Clear("d1/group:extr"), null,
            $"Run '{D1}' has no task group 'extr'."),
        ["running instance, don't disturb running"] = new(
            Clear("d3/extract.a", downstream: true),
            "d3: extract.a extract.b transform load.warehouse.x load.y end",
            $"Not cleared, because these are running: extract.b in {D3}."),
        ["a running instance reached through past"] = new(
            Clear("d4/extract.b", past: true),
            "d1: extract.b | d2: extract.b | d3: extract.b | d4: extract.b",
            $"Not cleared, because these are running: extract.b in {D3}."),
        ["only failed, and nothing failed"] = new(
            Clear("d2/group:extract", onlyFailed: true), "",
            "Nothing to clear: no task instance matches the selection and options."),
        ["only running, and a running one in the way"] = new(
            Clear("d3/extract.b", onlyRunning: true), "d3: extract.b",
            $"Not cleared, because these are running: extract.b in {D3}."),
        ["only running, and nothing running"] = new(
            Clear("d1/group:extract", onlyRunning: true, disturbRunning: true), "",
            "Nothing to clear: no task instance matches the selection and options."),
        ["only failed and only running together"] = new(
            Clear("d1/extract.b", onlyFailed: true, onlyRunning: true), null,
            "Only failed and Only running cannot be combined: a task instance is never both. Choose one."),
        ["only restarting and removed instances"] = new(
            Clear("m/extract.c d4/load.y"), "",
            "Nothing to clear: no task instance matches the selection and options."),
    };

    public static TheoryData<string> AppliedCaseNames => [.. AppliedCases.Keys];

    public static TheoryData<string> RefusedCaseNames => [.. RefusedCases.Keys];

    [Theory]
    [MemberData(nameof(AppliedCaseNames))]
    public async Task A_clear_previews_its_exact_selection_and_applies_exactly_that(string name)
    {
        var (request, selected) = AppliedCases[name];
        var engine = grid.Engine;
        await ResetAsync(engine);
        var service = engine.Services.GetRequiredService<ClearService>();
        var before = await ReadAsync(engine);
        var rowsBefore = await RawRowsAsync(engine);

        var preview = await service.PreviewAsync(request);

        var expectedSelection = ParseSelection(selected);
        Assert.Equal(expectedSelection, preview.TaskInstances.Select(Short));
        Assert.Null(preview.Blocker);
        Assert.Equal(rowsBefore, await RawRowsAsync(engine)); // a preview writes nothing, not even an audit row

        // What the dialog warns about is what happens.
        var expected = Expect(before, expectedSelection);
        Assert.Equal(expected.Requeued.Select(run => Runs[run]), preview.RunsToRequeue);
        Assert.Equal(expectedSelection.Where(s => before.TaskInstances[s].State == TaskInstanceState.Running), preview.Running.Select(Short));

        var applied = request with { RequestId = Guid.NewGuid() };
        var result = await service.ExecuteAsync(applied, preview);

        Assert.Equal(new ClearResult(expected.Cleared, expected.Restarted, expected.Requeued.Count), result);
        var after = await ReadAsync(engine);
        Assert.Equal(expected.TaskInstances, after.TaskInstanceLines);
        Assert.Equal(expected.History, after.History);
        Assert.Equal(expected.Runs, after.RunLines);

        var audit = Assert.Single(after.Audit);
        Assert.Equal(request.Targets.All(t => t.Kind == TargetKind.Run) ? "dag_run.clear" : "task_instance.clear", audit.Action);
        Assert.Equal(
            (Actor.Name, DagId, expectedSelection.Count, request.Note, applied.RequestId),
            (audit.Actor, audit.DagId, audit.AffectedCount, audit.Note, audit.RequestId));
        Assert.Equal(expectedSelection.Select(s => Runs[s.Run]).Distinct(), audit.RunIds);
        Assert.Equal(expectedSelection.Select(s => s.Task).Distinct(), audit.TaskIds);
        AssertDetails(request, expected, audit.Details);

        // A run queued again starts afresh; the others are not touched at all.
        foreach (var run in Runs.Keys)
        {
            var was = before.Runs[run];
            var requeued = was with
            {
                State = DagRunState.Queued, ClearNumber = was.ClearNumber + 1, QueuedAt = audit.OccurredAt, StartDate = null, EndDate = null,
            };
            Assert.Equal(expected.Requeued.Contains(run) ? requeued : was, after.Runs[run]);
        }

        // The same request again (a double click): answered as applied, and nothing moves.
        var rowsAfter = await RawRowsAsync(engine);
        Assert.True((await service.ExecuteAsync(applied, preview)).AlreadyApplied);
        Assert.Equal(rowsAfter, await RawRowsAsync(engine));
    }

    [Theory]
    [MemberData(nameof(RefusedCaseNames))]
    public async Task A_refused_clear_says_why_and_changes_nothing(string name)
    {
        var (request, selected, refusal) = RefusedCases[name];
        var engine = grid.Engine;
        await ResetAsync(engine);
        var service = engine.Services.GetRequiredService<ClearService>();
        var rowsBefore = await RawRowsAsync(engine);

        if (selected is null)
        {
            var inPreview = await Assert.ThrowsAsync<OperationRefusedException>(() => service.PreviewAsync(request));
            Assert.Contains(refusal, inPreview.Message, StringComparison.Ordinal);
        }
        else
        {
            // The dialog still lists the selection, with the reason it cannot be confirmed.
            var preview = await service.PreviewAsync(request);
            Assert.Equal(ParseSelection(selected), preview.TaskInstances.Select(Short));
            Assert.Contains(refusal, preview.Blocker, StringComparison.Ordinal);
        }

        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => service.ExecuteAsync(request with { RequestId = Guid.NewGuid() }));
        Assert.Contains(refusal, refused.Message, StringComparison.Ordinal);
        Assert.Equal(rowsBefore, await RawRowsAsync(engine));
    }

    [Fact]
    public async Task A_cleared_instance_keeps_its_try_gets_a_fresh_budget_and_its_try_is_archived_with_its_details()
    {
        var engine = grid.Engine;
        await ResetAsync(engine);
        await using (var db = engine.CreateContext())
        {
            await db.ExecuteAsync("""
                UPDATE task_instance SET hostname = 'worker-1', pid = 4242, start_date = @started, end_date = @ended, duration = 3600
                WHERE task_id = 'extract.b'
                """, CancellationToken.None, DbCommands.P("started", RunStarted), DbCommands.P("ended", RunEnded));
        }

        var service = engine.Services.GetRequiredService<ClearService>();
        await service.ExecuteAsync(Clear("d1/extract.b"));

        var ti = await engine.TaskInstanceAsync(DagId, D1, "extract.b");
        Assert.Equal((null, 2, 3), (ti.State, ti.TryNumber, ti.MaxTries));
        Assert.Equal((null, null, null, null, null), (ti.Hostname, ti.Pid, ti.StartDate, ti.EndDate, ti.Duration));
        var history = await engine.HistoryAsync(ti.Id);
        Assert.Equal([1, 2], history.Select(h => h.TryNumber));
        var archived = history[1];
        Assert.Equal(
            (TaskInstanceState.Failed, 1, "worker-1", 4242, RunStarted, RunEnded, 3600.0),
            (archived.State!.Value, archived.MaxTries, archived.Hostname, archived.Pid!.Value, archived.StartDate!.Value, archived.EndDate!.Value,
                archived.Duration!.Value));
    }

    private static ClearRequest Clear(
        string targets, bool upstream = false, bool downstream = false, bool past = false, bool future = false, bool onlyFailed = false,
        bool disturbRunning = false, bool onlyRunning = false) =>
        new(DagId, ParseTargets(targets),
            new ClearOptions(new Relatives(upstream, downstream, past, future), onlyFailed, disturbRunning, OnlyRunning: onlyRunning), Actor,
            "source fixed, rerun");

    /// <summary>"d1/task d1/group:extract d2/*": targets by short run name (or a full run id), separated by spaces.</summary>
    internal static List<TaskTarget> ParseTargets(string targets) =>
    [
        .. targets.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(target =>
        {
            var slash = target.LastIndexOf('/');
            var (run, id) = (target[..slash], target[(slash + 1)..]);
            var runId = Runs.GetValueOrDefault(run, run);
            return id == "*" ? TaskTarget.WholeRun(runId)
                : id.StartsWith("group:", StringComparison.Ordinal) ? TaskTarget.Group(runId, id["group:".Length..])
                : TaskTarget.Task(runId, id);
        }),
    ];

    internal static (string Run, string Task) Short(AffectedTaskInstance ti) => (Runs.Single(r => r.Value == ti.RunId).Key, ti.TaskId);

    /// <summary>
    /// Airflow's <c>clear_task_instances</c>, applied by hand to the selection: a running instance
    /// becomes restarting and keeps its try; any other goes back to no status with
    /// <c>max_tries = try_number + retries</c>, its try archived (as failed when it had not finished);
    /// a finished run holding a selected instance is queued again, one clear more.
    /// </summary>
    private static Expectation Expect(Snapshot before, List<(string Run, string Task)> selected)
    {
        var taskInstances = before.TaskInstances.ToDictionary();
        var history = before.History.ToList();
        var (cleared, restarted) = (0, 0);
        foreach (var key in selected)
        {
            var ti = before.TaskInstances[key];
            if (ti.State == TaskInstanceState.Running)
            {
                taskInstances[key] = ti with { State = TaskInstanceState.Restarting };
                restarted++;
                continue;
            }

            taskInstances[key] = ti with { State = null, MaxTries = ti.TryNumber + GridDag.Retries[key.Task] };
            if (ti.TryNumber > 0)
            {
                var archivedAs = ti.State.IsFinished() ? ti.State : TaskInstanceState.Failed;
                history.Add($"{key.Run} {key.Task} try {ti.TryNumber} {Name(archivedAs)}");
            }

            cleared++;
        }

        var requeued = selected.Select(s => s.Run).Where(run => before.Runs[run].State.IsFinished()).Distinct().ToList();
        var runs = before.Runs.ToDictionary(
            r => r.Key, r => requeued.Contains(r.Key) ? r.Value with { State = DagRunState.Queued, ClearNumber = r.Value.ClearNumber + 1 } : r.Value);
        var expected = new Snapshot(taskInstances, [.. history.Order(StringComparer.Ordinal)], runs, []);
        return new Expectation(expected.TaskInstanceLines, expected.History, expected.RunLines, cleared, restarted, requeued);
    }

    private static void AssertDetails(ClearRequest request, Expectation expected, string details)
    {
        using var json = JsonDocument.Parse(details);
        var root = json.RootElement;
        var (relatives, options) = (request.Options.Relatives, request.Options);
        Assert.Equal(
            (relatives.Upstream, relatives.Downstream, relatives.Past, relatives.Future, options.OnlyFailed, options.OnlyRunning, options.DisturbRunning),
            (Flag("upstream"), Flag("downstream"), Flag("past"), Flag("future"), Flag("only_failed"), Flag("only_running"), Flag("disturb_running")));
        Assert.Equal(
            (expected.Restarted, expected.Requeued.Count),
            (root.GetProperty("restarted").GetInt32(), root.GetProperty("runs_requeued").GetInt32()));
        Assert.Equal(
            request.Targets.Select(t => (t.RunId, t.Id, SnakeCase.ToSnakeCase(t.Kind))),
            root.GetProperty("targets").EnumerateArray()
                .Select(t => (t.GetProperty("run_id").GetString()!, t.GetProperty("id").GetString(), t.GetProperty("kind").GetString()!)));

        bool Flag(string name) => root.GetProperty(name).GetBoolean();
    }

    private sealed record Expectation(
        IReadOnlyList<string> TaskInstances,
        IReadOnlyList<string> History,
        IReadOnlyList<string> Runs,
        int Cleared,
        int Restarted,
        List<string> Requeued);
}
