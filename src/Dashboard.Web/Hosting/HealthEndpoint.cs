using System.Diagnostics;
using Dashboard.Core.Persistence;
using Dashboard.Core.Security;
using Dashboard.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Web.Hosting;

/// <summary>
/// <c>GET /healthz</c>: 200 "healthy" when the database answers, 503 "unhealthy" when it does not.
/// Anyone may ask (load balancers, monitors), so anyone learns only that; the reason and the
/// latency, which name the database's internals, go to signed-in Admins and to the log.
/// </summary>
public static class HealthEndpoint
{
    private static readonly TimeSpan DatabaseTimeout = TimeSpan.FromSeconds(3);

    public static void MapHealthEndpoint(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/healthz", CheckAsync).AllowAnonymous();

    private static async Task<IResult> CheckAsync(
        HttpContext context, IDbContextFactory<DashboardDbContext> dbFactory, HealthCheckLog log, CancellationToken ct)
    {
        var database = await ProbeAsync(dbFactory, ct);
        if (database.Error is { } error)
        {
            log.Outages.Failed(error);
        }
        else
        {
            log.Outages.Succeeded();
        }

        var status = database.Reachable ? "healthy" : "unhealthy";
        object report = context.User.Identity?.IsAuthenticated == true && SignedInUser.EffectiveRole(context.User) == Role.Admin
            ? new DetailedReport(status, database)
            : new Report(status);
        return Results.Json(report, statusCode: database.Reachable ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<DatabaseHealth> ProbeAsync(IDbContextFactory<DashboardDbContext> dbFactory, CancellationToken ct)
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

    private sealed record DetailedReport(string Status, DatabaseHealth Database);

    private sealed record DatabaseHealth(bool Reachable, double? LatencyMs, string? Error);
}

/// <summary>What health checks find, logged when it changes: a monitor polling a lost database every few seconds costs two lines.</summary>
public sealed class HealthCheckLog(ILogger<HealthCheckLog> logger)
{
    public OutageLog Outages { get; } = new(logger, "Health check");
}
