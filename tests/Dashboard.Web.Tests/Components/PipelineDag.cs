using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The DAG the dialog tests act on: extract feeds transform (then load) and report, so a task has
/// an upstream, a downstream and a sibling branch that neither reaches; three daily runs, so Past and
/// Future have something to reach; and a running manual run without a logical date, which they never
/// reach. States are written as a table, so a test shows what it starts from.
/// </summary>
internal static class PipelineDag
{
    public const string DagId = "pipeline";

    public const string Yaml = """
        dag_id: pipeline
        schedule: "@daily"
        start_date: 2026-01-01
        params:
          city: nyc
          limit: 10
        tasks:
          - {id: extract, command: exit 0}
          - {id: transform, upstream: extract, command: exit 0}
          - {id: load, upstream: transform, command: exit 0}
          - {id: report, upstream: extract, command: exit 0}
        """;

    /// <summary>The runs by their short names, oldest first.</summary>
    public static readonly IReadOnlyDictionary<string, string> Runs = new Dictionary<string, string>
    {
        ["d1"] = "scheduled__2026-01-01T00:00:00+00:00",
        ["d2"] = "scheduled__2026-01-02T00:00:00+00:00",
        ["d3"] = "scheduled__2026-01-03T00:00:00+00:00",
        ["m"] = "manual__2026-01-05T12:00:00+00:00",
    };

    /// <summary>S success, F failed, UF upstream_failed, R running, - no status; every instance on try 1 but the unstarted ones.</summary>
    public const string States = """
                      extract  transform  load  report
        d1  failed    S        F          UF    S
        d2  failed    S        F          UF    S
        d3  success   S        S          S     S
        m   running   S        R          -     -
        """;

    /// <summary>A fresh engine's database with the DAG (paused: only the test moves anything), its runs and <see cref="States"/>.</summary>
    public static async Task SeedAsync(EngineHarness engine)
    {
        await engine.AddDagAsync(Yaml, unpause: false);
        var days = Enumerable.Range(0, 3).Select(i => new DateTimeOffset(2026, 1, 1 + i, 0, 0, 0, TimeSpan.Zero));
        await engine.CreateRunsAsync(DagId, [
            .. days.Select(day => EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day, day.AddDays(1)))),
            new NewDagRun(Runs["m"], DagRunType.Manual, null, null, new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero), DagRunTriggeredBy.Ui),
        ]);
        await SetStatesAsync(engine, States);
    }

    /// <summary>Sets the run and task-instance states a table like <see cref="States"/> names.</summary>
    public static async Task SetStatesAsync(EngineHarness engine, string table)
    {
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var tasks = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        await using var db = engine.CreateContext();
        foreach (var cells in lines.Skip(1).Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        {
            var runId = Runs[cells[0]];
            await db.ExecuteAsync("UPDATE dag_run SET state = @state WHERE dag_id = @dag AND run_id = @run", CancellationToken.None,
                P("state", cells[1]), P("dag", DagId), P("run", runId));
            for (var i = 0; i < tasks.Length; i++)
            {
                var state = Parse(cells[i + 2]);
                await db.ExecuteAsync("""
                    UPDATE task_instance ti SET state = @state, try_number = @try
                    FROM dag_run r WHERE r.id = ti.dag_run_id AND r.dag_id = @dag AND r.run_id = @run AND ti.task_id = @task
                    """, CancellationToken.None, P("state", state is { } s ? SnakeCase.ToSnakeCase(s) : null), P("try", state is null ? 0 : 1),
                    P("dag", DagId), P("run", runId), P("task", tasks[i]));
            }
        }
    }

    /// <summary>Every task instance's state as "run task: state" (runs by short name), for comparisons whose failures show what differs.</summary>
    public static async Task<Dictionary<string, string>> StatesAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        var aliases = Runs.ToDictionary(r => r.Value, r => r.Key);
        var rows = await db.TaskInstances.AsNoTracking().Where(t => t.DagId == DagId)
            .Join(db.DagRuns, t => t.DagRunId, r => r.Id, (t, r) => new { r.RunId, t.TaskId, t.State })
            .ToListAsync();
        return rows.ToDictionary(r => $"{aliases[r.RunId]} {r.TaskId}", r => Name(r.State));
    }

    /// <summary>Each run's state, by short name.</summary>
    public static async Task<Dictionary<string, DagRunState>> RunStatesAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        var aliases = Runs.ToDictionary(r => r.Value, r => r.Key);
        return (await db.DagRuns.AsNoTracking().Where(r => r.DagId == DagId).ToListAsync()).ToDictionary(r => aliases[r.RunId], r => r.State);
    }

    public static async Task<List<AuditLogEntry>> AuditAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        return await db.AuditLog.AsNoTracking().OrderBy(a => a.Id).ToListAsync();
    }

    /// <summary>"d1 transform" for a listed row's run and task id.</summary>
    public static string Alias(string runId, string taskId) => $"{Runs.Single(r => r.Value == runId).Key} {taskId}";

    public static string Name(TaskInstanceState? state) => state is { } s ? SnakeCase.ToSnakeCase(s) : "none";

    private static TaskInstanceState? Parse(string cell) => cell switch
    {
        "-" => null,
        "S" => TaskInstanceState.Success,
        "F" => TaskInstanceState.Failed,
        "UF" => TaskInstanceState.UpstreamFailed,
        "R" => TaskInstanceState.Running,
        _ => throw new FormatException($"Unknown state code '{cell}'."),
    };
}
