using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Queries;

/// <summary>A backfill with how far its runs have got.</summary>
/// <param name="EditAccess">Who besides Admins may change its DAG (the file's access_control); null when the role decides alone.</param>
public sealed record BackfillProgress(
    int Id,
    string DagId,
    DateTimeOffset FromDate,
    DateTimeOffset ToDate,
    ReprocessBehavior Reprocess,
    int MaxActiveRuns,
    bool RunBackwards,
    bool IsPaused,
    string? CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    int Slots,
    int Skipped,
    int Succeeded,
    int Failed,
    int Running,
    int Queued,
    IReadOnlyList<string>? EditAccess = null)
{
    /// <summary>The runs it created or re-ran, in their state now (a later backfill may have re-run one since).</summary>
    public int Runs => Succeeded + Failed + Running + Queued;

    public bool IsActive => CompletedAt is null;

    public string Status => CompletedAt is not null ? "complete" : IsPaused ? "paused" : "running";
}

/// <summary>Backfills, newest first, with their progress: one statement however many there are.</summary>
public sealed class BackfillListQuery(IDbContextFactory<DashboardDbContext> dbFactory)
{
    private const int Limit = 500;

    /// <param name="dagId">One DAG's backfills, or every DAG's when null.</param>
    /// <param name="activeOnly">Only backfills that are not complete (the DAG page's banner).</param>
    public async Task<IReadOnlyList<BackfillProgress>> ListAsync(string? dagId = null, bool activeOnly = false, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.QueryAsync("""
            SELECT b.id, b.dag_id, b.from_date, b.to_date, b.reprocess_behavior, b.max_active_runs, b.run_backwards, b.is_paused,
                   b.triggering_user_name, b.created_at, b.completed_at,
                   count(bdr.id)::int,
                   count(bdr.id) FILTER (WHERE bdr.dag_run_id IS NULL)::int,
                   count(r.id) FILTER (WHERE r.state = 'success')::int,
                   count(r.id) FILTER (WHERE r.state = 'failed')::int,
                   count(r.id) FILTER (WHERE r.state = 'running')::int,
                   count(r.id) FILTER (WHERE r.state = 'queued')::int,
                   (SELECT d.edit_access FROM dag d WHERE d.dag_id = b.dag_id)
            FROM backfill b
            LEFT JOIN backfill_dag_run bdr ON bdr.backfill_id = b.id
            LEFT JOIN dag_run r ON r.id = bdr.dag_run_id
            WHERE (@dag::text IS NULL OR b.dag_id = @dag) AND (NOT @active OR b.completed_at IS NULL)
            GROUP BY b.id
            ORDER BY b.created_at DESC, b.id DESC
            LIMIT @limit
            """, r => new BackfillProgress(
                r.GetInt32(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetFieldValue<DateTimeOffset>(3),
                SnakeCase.ParseSnakeCase<ReprocessBehavior>(r.GetString(4)), r.GetInt32(5), r.GetBoolean(6), r.GetBoolean(7),
                r.NullableField<string>(8), r.GetFieldValue<DateTimeOffset>(9), r.NullableField<DateTimeOffset?>(10),
                r.GetInt32(11), r.GetInt32(12), r.GetInt32(13), r.GetInt32(14), r.GetInt32(15), r.GetInt32(16), r.NullableField<string[]>(17)),
            ct, P("dag", dagId), P("active", activeOnly), P("limit", Limit));
    }
}
