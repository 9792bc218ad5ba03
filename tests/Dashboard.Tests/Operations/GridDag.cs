using Dashboard.Core.Security;
using System.Globalization;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Tests.Operations;

/// <summary>
/// The DAG the Clear and Mark suites act on: two branches that meet again, a group and a nested
/// group, four daily runs and a manual one without a logical date, with every task state an
/// action must tell apart. States are written as a table, so a test shows what it starts from.
/// </summary>
internal static class GridDag
{
    public const string DagId = "grid";
    public static readonly Actor Actor = Actors.Admin("alice");

    // Retries differ per task, so a fresh budget (try_number + retries) tells tasks apart.
    public const string Yaml = """
        dag_id: grid
        schedule: "@daily"
        start_date: 2026-01-01
        default_args:
          retries: 1
        tasks:
          - {id: start, kind: empty}
          - {id: extract.a, group: extract, upstream: start, command: exit 0}
          - {id: extract.b, group: extract, upstream: extract.a, command: exit 0}
          - {id: extract.c, group: extract, upstream: start, command: exit 0}
          - {id: transform, upstream: [extract.b, extract.c], retries: 3, command: exit 0}
          - {id: load.warehouse.x, group: load.warehouse, upstream: transform, command: exit 0}
          - {id: load.y, group: load, upstream: transform, command: exit 0}
          - {id: end, upstream: [load.warehouse.x, load.y], retries: 0, kind: empty}
        """;

    /// <summary>In the DAG's order, which is the order previews list them in.</summary>
    public static readonly IReadOnlyList<string> Tasks =
        ["start", "extract.a", "extract.b", "extract.c", "transform", "load.warehouse.x", "load.y", "end"];

    public static readonly IReadOnlyDictionary<string, int> Retries = Tasks.ToDictionary(t => t, t => t switch
    {
        "transform" => 3,
        "end" => 0,
        _ => 1,
    });

    /// <summary>The runs by their short names, oldest first: the order the grid shows them in.</summary>
    public static readonly IReadOnlyDictionary<string, string> Runs = new Dictionary<string, string>
    {
        ["d1"] = "scheduled__2026-01-01T00:00:00+00:00",
        ["d2"] = "scheduled__2026-01-02T00:00:00+00:00",
        ["d3"] = "scheduled__2026-01-03T00:00:00+00:00",
        ["d4"] = "scheduled__2026-01-04T00:00:00+00:00",
        ["m"] = "manual__2026-01-05T12:00:00+00:00",
    };

    public static string D1 => Runs["d1"];
    public static string D2 => Runs["d2"];
    public static string D3 => Runs["d3"];
    public static string D4 => Runs["d4"];
    public static string M => Runs["m"];

    /// <summary>
    /// Where every suite starts. S success, F failed, UF upstream_failed, R running, UR up_for_retry,
    /// SK skipped, RS restarting, RM removed, Q queued, SC scheduled, - no status; the digits are the try number (0 when absent).
    /// </summary>
    public const string States = """
                          start  extract.a  extract.b  extract.c  transform  load.warehouse.x  load.y  end
        d1  failed        S1     S1         F2         S1         UF         UF                UF      UF
        d2  success       S1     S1         S1         S1         S2         S1                SK      S1
        d3  running       S1     S1         R1         UR1        -          -                 -       -
        d4  failed        S1     F1         UF         S1         UF         UF                RM      UF
        m   running       S1     S1         S1         RS1        -          -                 -       -
        """;

    /// <summary>The tries archived before the suites start (the earlier, failed tries of tasks now on try 2).</summary>
    public static readonly IReadOnlyList<string> EarlierTries = ["d1 extract.b try 1 failed", "d2 transform try 1 failed"];

    public static readonly DateTimeOffset RunStarted = new(2026, 1, 6, 1, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset RunEnded = new(2026, 1, 6, 2, 0, 0, TimeSpan.Zero);

    /// <summary>A fresh database with the DAG (paused: only the tests move anything), its runs and <see cref="States"/>.</summary>
    public static async Task<EngineHarness> CreateAsync()
    {
        var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Yaml, unpause: false);
        await ResetAsync(engine);
        return engine;
    }

    /// <summary>
    /// Back to where every test starts: the runs made anew with <see cref="States"/> and <see cref="EarlierTries"/>,
    /// and an empty audit log. Cheaper than a new database, so a table of cases can start each case afresh.
    /// </summary>
    public static async Task ResetAsync(EngineHarness engine)
    {
        await using (var db = engine.CreateContext())
        {
            // Task instances, their history and logs go with their runs.
            await db.ExecuteAsync("DELETE FROM dag_run WHERE dag_id = @dag; DELETE FROM audit_log;", CancellationToken.None, P("dag", DagId));
        }

        var days = Enumerable.Range(0, 4).Select(i => new DateTimeOffset(2026, 1, 1 + i, 0, 0, 0, TimeSpan.Zero));
        var manualAt = new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);
        await engine.CreateRunsAsync(DagId, [
            .. days.Select(day => EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day, day.AddDays(1)))),
            new NewDagRun(M, DagRunType.Manual, null, null, manualAt, DagRunTriggeredBy.Ui, TriggeringUserName: Actor.Name),
        ]);
        await SetStatesAsync(engine, States);
        await using var history = engine.CreateContext();
        await history.ExecuteAsync("""
            INSERT INTO task_instance_history (task_instance_id, dag_run_id, dag_id, task_id, try_number, state, max_tries, recorded_at)
            SELECT ti.id, ti.dag_run_id, ti.dag_id, ti.task_id, 1, 'failed', ti.max_tries, @at
            FROM task_instance ti JOIN dag_run r ON r.id = ti.dag_run_id
            WHERE (r.run_id, ti.task_id) IN ((@d1, 'extract.b'), (@d2, 'transform'))
            """, CancellationToken.None, P("d1", D1), P("d2", D2), P("at", RunEnded));
    }

    /// <summary>
    /// Sets the runs and task instances a table names (see <see cref="States"/>): a finished run has
    /// ended, an unfinished one has started; task instances keep the max_tries they were created with.
    /// </summary>
    public static async Task SetStatesAsync(EngineHarness engine, string table)
    {
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        await using var db = engine.CreateContext();
        foreach (var line in lines.Skip(1))
        {
            var cells = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var runId = Runs[cells[0]];
            var runState = SnakeCase.ParseSnakeCase<DagRunState>(cells[1]);
            await db.ExecuteAsync("""
                UPDATE dag_run SET state = @state, start_date = @started, end_date = CASE WHEN @finished THEN @ended END
                WHERE dag_id = @dag AND run_id = @run
                """, CancellationToken.None, P("state", cells[1]), P("started", RunStarted), P("ended", RunEnded),
                P("finished", runState.IsFinished()), P("dag", DagId), P("run", runId));
            for (var i = 0; i < header.Length; i++)
            {
                var (state, tryNumber) = ParseCell(cells[i + 2]);
                await db.ExecuteAsync("""
                    UPDATE task_instance ti SET state = @state, try_number = @try
                    FROM dag_run r WHERE r.id = ti.dag_run_id AND r.dag_id = @dag AND r.run_id = @run AND ti.task_id = @task
                    """, CancellationToken.None, P("state", state is { } s ? SnakeCase.ToSnakeCase(s) : null), P("try", tryNumber),
                    P("dag", DagId), P("run", runId), P("task", header[i]));
            }
        }
    }

    /// <summary>Every task instance, archived try, run and audit row of the DAG, as plain lines that compare well.</summary>
    public static async Task<Snapshot> ReadAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        var aliases = Runs.ToDictionary(r => r.Value, r => r.Key);
        var runs = await db.DagRuns.AsNoTracking().Where(r => r.DagId == DagId).ToListAsync();
        var runOf = runs.ToDictionary(r => r.Id, r => aliases[r.RunId]);
        var taskInstances = await db.TaskInstances.AsNoTracking().Where(t => t.DagId == DagId).ToListAsync();
        var history = await db.TaskInstanceHistory.AsNoTracking().Where(t => t.DagId == DagId).ToListAsync();
        return new Snapshot(
            taskInstances.ToDictionary(t => (runOf[t.DagRunId], t.TaskId), t => new TaskInstanceRow(t.State, t.TryNumber, t.MaxTries)),
            [.. history.Select(h => $"{runOf[h.DagRunId]} {h.TaskId} try {h.TryNumber} {Name(h.State)}").Order(StringComparer.Ordinal)],
            runs.ToDictionary(r => aliases[r.RunId], r => new RunRow(r.State, r.ClearNumber, r.QueuedAt, r.StartDate, r.EndDate)),
            await db.AuditLog.AsNoTracking().OrderBy(a => a.Id).ToListAsync());
    }

    /// <summary>
    /// Every column of every row an action could touch, to show that something (a preview, a refused
    /// or repeated action) changed nothing at all, not even an updated_at.
    /// </summary>
    public static async Task<string> RawRowsAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        var tables = await db.QueryAsync("""
            SELECT (SELECT coalesce(json_agg(t ORDER BY id), '[]')::text FROM task_instance t),
                   (SELECT coalesce(json_agg(t ORDER BY id), '[]')::text FROM dag_run t),
                   (SELECT coalesce(json_agg(t ORDER BY id), '[]')::text FROM task_instance_history t),
                   (SELECT coalesce(json_agg(t ORDER BY id), '[]')::text FROM audit_log t)
            """, r => string.Join("\n", Enumerable.Range(0, 4).Select(r.GetString)), CancellationToken.None);
        return tables[0];
    }

    /// <summary>"d1: a b | d2: c" → the (run, task) pairs, in the order written.</summary>
    public static List<(string Run, string Task)> ParseSelection(string selection) =>
    [
        .. selection.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).SelectMany(part =>
        {
            var (run, tasks) = (part[..part.IndexOf(':', StringComparison.Ordinal)], part[(part.IndexOf(':', StringComparison.Ordinal) + 1)..]);
            return tasks.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(task => (run.Trim(), task));
        }),
    ];

    public static string Name(TaskInstanceState? state) => state is { } s ? SnakeCase.ToSnakeCase(s) : "none";

    private static (TaskInstanceState? State, int TryNumber) ParseCell(string cell)
    {
        var code = cell.TrimEnd("0123456789".ToCharArray());
        var tryNumber = code.Length == cell.Length ? 0 : int.Parse(cell[code.Length..], CultureInfo.InvariantCulture);
        TaskInstanceState? state = code switch
        {
            "-" => null,
            "S" => TaskInstanceState.Success,
            "F" => TaskInstanceState.Failed,
            "UF" => TaskInstanceState.UpstreamFailed,
            "R" => TaskInstanceState.Running,
            "UR" => TaskInstanceState.UpForRetry,
            "SK" => TaskInstanceState.Skipped,
            "RS" => TaskInstanceState.Restarting,
            "RM" => TaskInstanceState.Removed,
            "Q" => TaskInstanceState.Queued,
            "SC" => TaskInstanceState.Scheduled,
            _ => throw new FormatException($"Unknown state code '{cell}'."),
        };
        return (state, tryNumber);
    }
}

internal sealed record TaskInstanceRow(TaskInstanceState? State, int TryNumber, int MaxTries)
{
    public override string ToString() => $"{GridDag.Name(State)} try {TryNumber} max {MaxTries}";
}

internal sealed record RunRow(DagRunState State, int ClearNumber, DateTimeOffset? QueuedAt, DateTimeOffset? StartDate, DateTimeOffset? EndDate);

/// <summary>The DAG's rows at one moment; task instances and runs keyed by the short run names of <see cref="GridDag.Runs"/>.</summary>
internal sealed record Snapshot(
    IReadOnlyDictionary<(string Run, string Task), TaskInstanceRow> TaskInstances,
    IReadOnlyList<string> History,
    IReadOnlyDictionary<string, RunRow> Runs,
    IReadOnlyList<AuditLogEntry> Audit)
{
    /// <summary>One line per task instance, in grid order, for comparisons whose failures show what differs.</summary>
    public IReadOnlyList<string> TaskInstanceLines =>
    [
        .. GridDag.Runs.Keys.SelectMany(run => GridDag.Tasks.Select(task => $"{run} {task}: {TaskInstances[(run, task)]}")),
    ];

    public IReadOnlyList<string> RunLines =>
        [.. GridDag.Runs.Keys.Select(run => $"{run}: {SnakeCase.ToSnakeCase(Runs[run].State)} clear {Runs[run].ClearNumber}")];
}

/// <summary>One engine on <see cref="GridDag"/> for a test class; each test starts with <see cref="GridDag.ResetAsync"/>.</summary>
public sealed class GridDagFixture : IAsyncLifetime
{
    public EngineHarness Engine { get; private set; } = null!;

    public async Task InitializeAsync() => Engine = await GridDag.CreateAsync();

    public async Task DisposeAsync() => await Engine.DisposeAsync();
}
