using System.Diagnostics;
using Dashboard.Core.Persistence;
using Dashboard.Core.Security;
using Dashboard.Scheduler;
using Dashboard.Scheduler.Scheduling;
using Dashboard.Web.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Hosting;

/// <summary>
/// The health checks. Anyone may ask (load balancers, orchestrators, monitors), so anyone learns
/// only a verdict; a reason that names the database's internals goes to signed-in Admins and the log.
/// <list type="bullet">
/// <item><c>GET /healthz</c>: 200 "healthy" when the database answers, 503 "unhealthy" when it does
/// not, with the reason and latency for an Admin. Kept as it was for the monitors that poll it.</item>
/// <item><c>GET /healthz/live</c>: 200 while the process serves requests; it asks nothing of the
/// database, so a lost database never gets a healthy instance restarted.</item>
/// <item><c>GET /healthz/ready</c>: 200 when this instance can do its work: the database answers,
/// its schema has every migration of this build, and, where the scheduler runs here, a pass has
/// finished recently; else 503 naming the check that failed.</item>
/// </list>
/// </summary>
public static class HealthEndpoint
{
    private static readonly TimeSpan DatabaseTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Beyond the loop interval, how long the scheduler may go without a finished pass. A pass
    /// over a large install takes seconds; one that takes this long, or a loop failing pass after
    /// pass, means no new work is being started.
    /// </summary>
    private static readonly TimeSpan SchedulerStaleAfter = TimeSpan.FromSeconds(60);

    public static void MapHealthEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", CheckAsync).AllowAnonymous();
        endpoints.MapGet("/healthz/live", () => Results.Json(new Report("alive"))).AllowAnonymous();
        endpoints.MapGet("/healthz/ready", ReadyAsync).AllowAnonymous();
    }

    private static async Task<IResult> ReadyAsync(
        IDbContextFactory<DashboardDbContext> dbFactory, HealthCheckLog log, SchedulerLoop scheduler,
        IOptions<SchedulerOptions> schedulerOptions, TimeProvider clock, CancellationToken ct)
    {
        var database = await ProbeAsync(dbFactory, log, ct);
        var migrations = database.Reachable ? await MigrationsAsync(dbFactory, ct) : "unknown";
        var schedulerCheck = SchedulerCheck(scheduler, schedulerOptions.Value, clock.GetUtcNow());
        var checks = new ReadinessChecks(database.Reachable ? "ok" : "unreachable", migrations, schedulerCheck);
        var ready = database.Reachable && migrations == "ok" && schedulerCheck is ("ok" or "off");
        return Results.Json(new Readiness(ready ? "ready" : "not ready", checks),
            statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>
    /// "ok", or "pending" when the schema lags this build (restored from an old backup, say), or
    /// "unknown" when the question fails: the database just answered, so the next probe tells and logs.
    /// </summary>
    private static async Task<string> MigrationsAsync(IDbContextFactory<DashboardDbContext> dbFactory, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(DatabaseTimeout);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(timeout.Token);
            return (await db.Database.GetPendingMigrationsAsync(timeout.Token)).Any() ? "pending" : "ok";
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return "unknown";
        }
    }

    private static string SchedulerCheck(SchedulerLoop scheduler, SchedulerOptions options, DateTimeOffset now) =>
        !options.Enabled ? "off"
        : scheduler.LastPassCompletedAt is not { } last ? "starting"
        : now - last > options.LoopInterval + SchedulerStaleAfter ? "stale"
        : "ok";

    private static async Task<IResult> CheckAsync(
        HttpContext context, IDbContextFactory<DashboardDbContext> dbFactory, HealthCheckLog log, CancellationToken ct)
    {
        var database = await ProbeAsync(dbFactory, log, ct);
        var status = database.Reachable ? "healthy" : "unhealthy";
        object report = context.User.Identity?.IsAuthenticated == true && SignedInUser.EffectiveRole(context.User) == Role.Admin
            ? new DetailedReport(status, database)
            : new Report(status);
        return Results.Json(report, statusCode: database.Reachable ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Asks the database for <c>SELECT 1</c>, and logs when the answer changes.</summary>
    private static async Task<DatabaseHealth> ProbeAsync(IDbContextFactory<DashboardDbContext> dbFactory, HealthCheckLog log, CancellationToken ct)
    {
        var database = await SelectOneAsync(dbFactory, ct);
        if (database.Error is { } error)
        {
            log.Outages.Failed(error);
        }
        else
        {
            log.Outages.Succeeded();
        }

        return database;
    }

    private static async Task<DatabaseHealth> SelectOneAsync(IDbContextFactory<DashboardDbContext> dbFactory, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(DatabaseTimeout);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(timeout.Token);
            await db.Database.ExecuteSqlRawAsync("SELECT 1", timeout.Token);
            return new DatabaseHealth(true, Math.Round(stopwatch.Elapsed.TotalMilliseconds, 1), null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var reason = e is OperationCanceledException ? $"no answer within {DatabaseTimeout.TotalSeconds:0} s" : DashboardDatabase.Reason(e);
            return new DatabaseHealth(false, null, reason);
        }
    }

    private sealed record Report(string Status);

    private sealed record Readiness(string Status, ReadinessChecks Checks);

    private sealed record ReadinessChecks(string Database, string Migrations, string Scheduler);

    private sealed record DetailedReport(string Status, DatabaseHealth Database);

    private sealed record DatabaseHealth(bool Reachable, double? LatencyMs, string? Error);
}

/// <summary>What health checks find, logged when it changes: a monitor polling a lost database every few seconds costs two lines.</summary>
public sealed class HealthCheckLog(ILogger<HealthCheckLog> logger)
{
    public OutageLog Outages { get; } = new(logger, "Health check");
}
