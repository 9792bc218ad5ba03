using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Core.Auditing;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Operations.Trigger;

/// <summary>A manual run request. Without a logical date the run covers no data interval, as in Airflow 3.</summary>
/// <param name="UnpauseDag">Also unpause the DAG if it is paused, so the run starts (Airflow 3's trigger form offers the same); needs the right to pause DAGs.</param>
public sealed record TriggerRequest(
    string DagId, DateTimeOffset? LogicalDate, string? ConfJson, Actor Actor, DagRunTriggeredBy TriggeredBy, string? Note = null, bool UnpauseDag = false);

public sealed record TriggeredRun(long Id, string RunId, bool DagPaused);

/// <summary>
/// What a trigger form starts from: the params of the DAG's current version, and the logical date of
/// its schedule's latest complete interval (null for a DAG without a periodic schedule).
/// </summary>
public sealed record TriggerDefaults(DagParams Params, DateTimeOffset? LogicalDate);

/// <summary>A conf refused for not fitting the DAG's params: every problem, each naming its param.</summary>
public sealed class ConfRefusedException(IReadOnlyList<ParamProblem> problems)
    : OperationRefusedException($"The conf does not match the DAG's params: {string.Join("; ", problems)}.")
{
    public IReadOnlyList<ParamProblem> Problems { get; } = problems;
}

/// <summary>Creates a manual run, queued to start at once (or when its DAG is unpaused).</summary>
public sealed class DagTriggerService(IDbContextFactory<DashboardDbContext> dbFactory, DagVersionCache versions, TimeProvider clock)
{
    /// <summary>
    /// Bytes of a run's conf: it is stored with every run it starts (each run of a backfill has a copy)
    /// and shown on the run's page, so it carries parameters, not data.
    /// </summary>
    public const int MaxConfBytes = 64 * 1024;

    private const string HalfSurrogate = "half of a surrogate pair, such as \\ud800";

    /// <exception cref="OperationRefusedException">The DAG cannot run, or the conf or date is not acceptable; nothing was created.</exception>
    public async Task<TriggeredRun> TriggerAsync(TriggerRequest request, CancellationToken ct = default)
    {
        request.Actor.Demand(Permission.Trigger, "trigger runs");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await DagAccess.DemandAsync(db, request.Actor, [request.DagId], "trigger runs", ct);
        var dag = await db.Dags.AsNoTracking().SingleOrDefaultAsync(d => d.DagId == request.DagId, ct)
                  ?? throw new OperationRefusedException($"There is no DAG '{request.DagId}'.");
        if (!dag.IsActive || dag.CurrentVersionId is not { } versionId)
        {
            throw new OperationRefusedException($"DAG '{dag.DagId}' cannot run: its file is gone or was never loaded.");
        }

        var conf = ValidateConf(request.ConfJson, (await versions.GetAsync(db, versionId, ct)).Params);
        if (request.LogicalDate is { Year: < Timetable.EarliestYear or > Timetable.LatestYear } outside)
        {
            throw new OperationRefusedException(
                $"The logical date {outside:yyyy-MM-dd} is outside the years {Timetable.EarliestYear} to {Timetable.LatestYear} a run may have.");
        }

        var unpause = request.UnpauseDag && dag.IsPaused;
        if (unpause)
        {
            request.Actor.Demand(Permission.PauseDag, "unpause DAGs");
        }

        var now = clock.GetUtcNow();
        var run = request.LogicalDate is { } date
            ? new NewDagRun(NewDagRun.RunIdFor(DagRunType.Manual, date), DagRunType.Manual, date.ToUniversalTime(),
                Timetable.For(dag.Schedule, dag.Timezone).InferManualInterval(date), now, request.TriggeredBy, conf, request.Actor.Name)
            : new NewDagRun($"manual__{now:yyyy-MM-dd'T'HH:mm:ss.ffffff}+00:00_{Guid.NewGuid().ToString("N")[..8]}",
                DagRunType.Manual, null, null, now, request.TriggeredBy, conf, request.Actor.Name);

        var created = await DagRunCreation.CreateAsync(db, dag.DagId, versionId, [run], now, ct);
        if (!created.TryGetValue(run.RunId, out var id))
        {
            var existing = await db.DagRuns.Where(r => r.DagId == dag.DagId && (r.RunId == run.RunId || r.LogicalDate == run.LogicalDate))
                .Select(r => r.RunId).FirstOrDefaultAsync(ct);
            throw new OperationRefusedException(
                $"DAG '{dag.DagId}' already has a run for logical date {run.LogicalDate:yyyy-MM-dd HH:mm:ss} UTC ({existing}). Clear that run to run it again.");
        }

        AuditWriter.Record(db, now, request.Actor, "dag_run.trigger", dag.DagId, 1,
            new { logical_date = run.LogicalDate, conf = JsonNode.Parse(conf), triggered_by = SnakeCase.ToSnakeCase(request.TriggeredBy) },
            runIds: [run.RunId], note: request.Note);
        if (unpause)
        {
            await db.Dags.Where(d => d.DagId == dag.DagId).ExecuteUpdateAsync(s => s.SetProperty(d => d.IsPaused, false), ct);
            AuditWriter.Record(db, now, request.Actor, "dag.unpause", dag.DagId, 1, new { reason = $"trigger of {run.RunId}" });
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new TriggeredRun(id, run.RunId, dag.IsPaused && !unpause);
    }

    /// <summary>The params and default logical date a trigger form for <paramref name="dagId"/> starts from; null when there is no such DAG.</summary>
    public async Task<TriggerDefaults?> DefaultsAsync(string dagId, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Dags.AsNoTracking().SingleOrDefaultAsync(d => d.DagId == dagId, ct) is not { } dag)
        {
            return null;
        }

        var dagParams = dag.CurrentVersionId is { } versionId ? (await versions.GetAsync(db, versionId, ct)).Params : DagParams.None;
        var latest = Timetable.For(dag.Schedule, dag.Timezone).LatestCompletedInterval(dag.StartDate, dag.EndDate, clock.GetUtcNow());
        return new TriggerDefaults(dagParams, latest?.Start);
    }

    /// <summary>
    /// The conf must be a JSON object of at most <see cref="MaxConfBytes"/> that, with the defaults filling the params it leaves out,
    /// fits the params' schema; keys the DAG does not declare are passed through, as in Airflow. Returns the conf as given.
    /// </summary>
    /// <exception cref="ConfRefusedException">It does not fit the params, with every reason.</exception>
    /// <exception cref="OperationRefusedException">It is not a JSON object that can be stored.</exception>
    public static string ValidateConf(string? confJson, DagParams dagParams)
    {
        if (string.IsNullOrWhiteSpace(confJson))
        {
            confJson = "{}";
        }

        if (Encoding.UTF8.GetByteCount(confJson) is var size && size > MaxConfBytes)
        {
            throw new OperationRefusedException(
                $"The conf is {size:N0} bytes, more than the {MaxConfBytes:N0} bytes (64 KB) a run's conf may have: pass a path or a key to the data instead of the data itself.");
        }

        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(confJson);
        }
        catch (JsonException e)
        {
            throw new OperationRefusedException($"The conf is not valid JSON: {e.Message}");
        }

        if (parsed is not JsonObject conf)
        {
            throw new OperationRefusedException("The conf must be a JSON object, such as {\"city\": \"nyc\"}.");
        }

        if (UnstorableText(conf) is { } text)
        {
            throw new OperationRefusedException($"The conf holds text that cannot be stored ({text}): remove it.");
        }

        var problems = dagParams.Validate(conf);
        return problems.Count == 0 ? conf.ToJsonString() : throw new ConfRefusedException(problems);
    }

    /// <summary>What PostgreSQL refuses in jsonb: a NUL character or half a surrogate pair, in a key or a string.</summary>
    private static string? UnstorableText(JsonObject conf)
    {
        try
        {
            return Unstorable(conf);
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json will not even read half a surrogate pair as text.
            return HalfSurrogate;
        }
    }

    private static string? Unstorable(JsonNode? node) => node switch
    {
        JsonObject map => map.Select(p => Unstorable(p.Key) ?? Unstorable(p.Value)).FirstOrDefault(p => p is not null),
        JsonArray list => list.Select(Unstorable).FirstOrDefault(p => p is not null),
        JsonValue value when value.GetValueKind() == JsonValueKind.String => Unstorable(value.GetValue<string>()),
        _ => null,
    };

    private static string? Unstorable(string text)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            return "a NUL character, \\u0000";
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return HalfSurrogate;
            }
        }

        return null;
    }
}
