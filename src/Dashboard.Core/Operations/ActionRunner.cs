using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Operations;

/// <summary>
/// How every state-changing user action runs: in one transaction with its audit row, at most once
/// per request id (a double click sends the same id twice), and again from the start when a task
/// instance moved between its selection and its update (the executor finished a try meanwhile).
/// </summary>
public sealed class ActionRunner(IDbContextFactory<DashboardDbContext> dbFactory)
{
    private const int MaxAttempts = 3;

    /// <param name="requestId">The client's id for this request; null when the caller does not repeat requests.</param>
    /// <param name="action">Selects, checks, applies and records the audit row; throws <see cref="SelectionMovedException"/> to start over.</param>
    /// <param name="alreadyApplied">The answer when this request id was applied before.</param>
    public async Task<T> RunAsync<T>(Guid? requestId, Func<DashboardDbContext, Task<T>> action, T alreadyApplied, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);

            // A failed save ends the attempt and rolls back everything, so EF's savepoint around
            // SaveChanges (two more round trips) would protect nothing.
            db.Database.AutoSavepointsEnabled = false;
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (requestId is { } id)
            {
                // The same request sent twice at once: the second waits here until the first commits,
                // and then finds its audit row. Without this it would wait at the run locks instead,
                // past this check, and find the instances moved by its own twin: "outdated", not "applied".
                await db.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext('dashboard.request_id'), hashtext(@id::text))", ct, P("id", id));
                if (await db.AuditLog.AnyAsync(a => a.RequestId == id, ct))
                {
                    return alreadyApplied;
                }
            }

            try
            {
                var result = await action(db);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
                return result;
            }
            catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "ux_audit_log_request_id" })
            {
                return alreadyApplied; // the unique index is the guarantee behind the lock above
            }
            catch (SelectionMovedException moved) when (attempt >= MaxAttempts)
            {
                throw new PreviewOutdatedException(moved.Message);
            }
            catch (SelectionMovedException)
            {
                // Rolled back by disposal; select again.
            }
            catch (Exception e) when (IsDeadlock(e) && attempt < MaxAttempts)
            {
                // Users lock runs in one order, but the DAG-file processor touches task instances without run
                // locks; PostgreSQL breaks such a rare cycle by aborting one side, which simply goes again.
            }
        }
    }

    private static bool IsDeadlock(Exception e) =>
        (e as PostgresException ?? e.InnerException as PostgresException)?.SqlState == PostgresErrorCodes.DeadlockDetected;
}

/// <summary>Some selected task instances moved on before the update reached them; nothing was applied.</summary>
public sealed class SelectionMovedException(string message) : Exception(message);
