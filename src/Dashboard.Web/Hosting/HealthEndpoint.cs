using System.Diagnostics;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Web.Hosting;

/// <summary><c>GET /healthz</c>: 200 when the database answers, 503 with the reason when it does not.</summary>
public static class HealthEndpoint
{
    private static readonly TimeSpan DatabaseTimeout = TimeSpan.FromSeconds(3);

    public static void MapHealthEndpoint(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/healthz", CheckAsync).AllowAnonymous();

    private static async Task<IResult> CheckAsync(IDbContextFactory<DashboardDbContext> dbFactory, ILoggerFactory loggers, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(DatabaseTimeout);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(timeout.Token);
            await db.Database.ExecuteSqlRawAsync("SELECT 1", timeout.Token);
            return Results.Json(new HealthReport("healthy", new DatabaseHealth(true, Math.Round(stopwatch.Elapsed.TotalMilliseconds, 1), null)));
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            loggers.CreateLogger("Dashboard.Health").LogWarning(e, "Health check: the database is unreachable");
            var reason = e is OperationCanceledException ? $"no answer within {DatabaseTimeout.TotalSeconds:0} s" : e.Message;
            return Results.Json(new HealthReport("unhealthy", new DatabaseHealth(false, null, reason)), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private sealed record HealthReport(string Status, DatabaseHealth Database);

    private sealed record DatabaseHealth(bool Reachable, double? LatencyMs, string? Error);
}
