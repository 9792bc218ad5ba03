using Dashboard.Core.Auditing;
using Dashboard.Core.Persistence;
using Dashboard.Core.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Dashboard.Web.Security;

/// <summary>
/// One change to users and its audit row, in one transaction: Identity's <see cref="UserManager{TUser}"/>
/// works on the sign-in tables, the audit row goes through <see cref="DashboardDbContext"/> on the same
/// connection, and both commit or neither does.
/// </summary>
internal sealed class UserChange : IAsyncDisposable
{
    private readonly AsyncServiceScope _scope;
    private readonly IDbContextTransaction _transaction;
    private readonly DashboardDbContext _dashboard;

    private UserChange(AsyncServiceScope scope, IDbContextTransaction transaction, DashboardDbContext dashboard)
    {
        _scope = scope;
        _transaction = transaction;
        _dashboard = dashboard;
        Users = scope.ServiceProvider.GetRequiredService<UserManager<DashboardUser>>();
    }

    public UserManager<DashboardUser> Users { get; }

    public static async Task<UserChange> BeginAsync(IServiceScopeFactory scopes, IDbContextFactory<DashboardDbContext> dashboardDbs, CancellationToken ct)
    {
        var scope = scopes.CreateAsyncScope();
        try
        {
            var security = scope.ServiceProvider.GetRequiredService<SecurityDbContext>();
            var transaction = await security.Database.BeginTransactionAsync(ct);
            var dashboard = await dashboardDbs.CreateDbContextAsync(ct);
            dashboard.Database.SetDbConnection(security.Database.GetDbConnection(), contextOwnsConnection: false);
            await dashboard.Database.UseTransactionAsync(transaction.GetDbTransaction(), ct);
            return new UserChange(scope, transaction, dashboard);
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }
    }

    /// <summary>The audit row; details name the user and what changed, never a password.</summary>
    public void Audit(DateTimeOffset at, Actor actor, string action, object details) =>
        AuditWriter.Record(_dashboard, at, actor, action, dagId: null, affectedCount: 1, details);

    public async Task CommitAsync(CancellationToken ct)
    {
        await _dashboard.SaveChangesAsync(ct);
        await _transaction.CommitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _dashboard.DisposeAsync();
        await _transaction.DisposeAsync();
        await _scope.DisposeAsync();
    }
}
