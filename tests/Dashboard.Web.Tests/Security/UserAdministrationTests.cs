using Dashboard.Core.Operations;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests.Security;

/// <summary>The users page's service: Admins only, whoever calls it; every change audited in the same transaction, no password in the log.</summary>
public sealed class UserAdministrationTests(UserAdministrationTests.App app) : IClassFixture<UserAdministrationTests.App>
{
    private static readonly Actor Admin = Actors.Admin(DashboardAppHost.AdminUserName);

    public sealed class App : PostgresDatabaseFixture
    {
        public DashboardAppHost Host { get; private set; } = null!;

        public UserAdministration Users => Host.Services.GetRequiredService<UserAdministration>();

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Host = await DashboardAppHost.StartAsync(ConnectionString);
        }

        public override async Task DisposeAsync() => await Host.DisposeAsync();
    }

    [Theory]
    [InlineData(Role.Viewer)]
    [InlineData(Role.User)]
    [InlineData(Role.Op)]
    public async Task Only_an_admin_may_list_or_change_users(Role role)
    {
        var actor = Actors.As(role);
        var admin = await FindAsync(DashboardAppHost.AdminUserName);
        var auditBefore = await AuditCountAsync();

        await Assert.ThrowsAsync<AccessDeniedException>(() => app.Users.ListAsync(actor));
        await Assert.ThrowsAsync<AccessDeniedException>(() => app.Users.CreateAsync(actor, $"made_by_{role}", Role.Admin));
        await Assert.ThrowsAsync<AccessDeniedException>(() => app.Users.ChangeRoleAsync(actor, admin.Id, Role.Viewer));
        await Assert.ThrowsAsync<AccessDeniedException>(() => app.Users.SetDisabledAsync(actor, admin.Id, true));
        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => app.Users.ResetPasswordAsync(actor, admin.Id));

        Assert.Contains("needs the Admin role", refused.Message);
        Assert.Equal(auditBefore, await AuditCountAsync());
        Assert.DoesNotContain(await app.Users.ListAsync(Admin), u => u.UserName == $"made_by_{role}");
    }

    [Fact]
    public async Task Creating_a_user_sets_role_and_forced_change_and_audits_without_the_password()
    {
        var random = await app.Users.CreateAsync(Admin, " carol ", Role.Op);
        var typed = await app.Users.CreateAsync(Admin, "dave", Role.User, "typed by the admin");

        Assert.Matches("^[A-Za-z0-9]{20}$", random);
        Assert.Equal("typed by the admin", typed);
        var carol = (await app.Users.ListAsync(Admin)).Single(u => u.UserName == "carol");
        Assert.Equal((Role.Op, true, false), (carol.Role, carol.MustChangePassword, carol.Disabled));
        var audit = await AuditAsync("user.create", "carol");
        Assert.Equal(DashboardAppHost.AdminUserName, audit.Actor);
        Assert.Contains("\"role\": \"Op\"", audit.Details);
        Assert.DoesNotContain(random, audit.Details);
    }

    [Fact]
    public async Task A_refused_creation_changes_nothing_and_audits_nothing()
    {
        await app.Users.CreateAsync(Admin, "erin", Role.Viewer);
        var auditBefore = await AuditCountAsync();

        var duplicate = await Assert.ThrowsAsync<OperationRefusedException>(() => app.Users.CreateAsync(Admin, "ERIN", Role.Admin));
        var tooShort = await Assert.ThrowsAsync<OperationRefusedException>(() => app.Users.CreateAsync(Admin, "frank", Role.User, "short"));

        Assert.Contains("is already taken", duplicate.Message);
        Assert.Contains("at least 12 characters", tooShort.Message);
        Assert.Equal(auditBefore, await AuditCountAsync());
        Assert.DoesNotContain(await app.Users.ListAsync(Admin), u => u.UserName == "frank");
    }

    [Fact]
    public async Task Changing_a_role_replaces_it_renews_the_stamp_and_audits_both_roles()
    {
        await app.Users.CreateAsync(Admin, "grace", Role.Viewer);
        var before = await FindAsync("grace");

        await app.Users.ChangeRoleAsync(Admin, before.Id, Role.Op);

        var after = await FindAsync("grace");
        Assert.NotEqual(before.SecurityStamp, after.SecurityStamp);
        Assert.Equal(Role.Op, (await app.Users.ListAsync(Admin)).Single(u => u.UserName == "grace").Role);
        Assert.Equal(["Op"], await RolesAsync("grace"));
        var audit = await AuditAsync("user.change_role", "grace");
        Assert.Contains("\"from\": \"Viewer\"", audit.Details);
        Assert.Contains("\"to\": \"Op\"", audit.Details);
    }

    [Fact]
    public async Task Disabling_and_enabling_is_audited_and_renews_the_stamp()
    {
        await app.Users.CreateAsync(Admin, "heidi", Role.User);
        var before = await FindAsync("heidi");

        await app.Users.SetDisabledAsync(Admin, before.Id, disabled: true);
        var disabled = await FindAsync("heidi");
        await app.Users.SetDisabledAsync(Admin, before.Id, disabled: false);

        Assert.True(disabled.Disabled);
        Assert.NotEqual(before.SecurityStamp, disabled.SecurityStamp);
        Assert.False((await FindAsync("heidi")).Disabled);
        await AuditAsync("user.disable", "heidi");
        await AuditAsync("user.enable", "heidi");
    }

    [Fact]
    public async Task Nobody_disables_themselves_and_the_last_admin_stays_an_admin()
    {
        var admin = await FindAsync(DashboardAppHost.AdminUserName);

        var self = await Assert.ThrowsAsync<OperationRefusedException>(() => app.Users.SetDisabledAsync(Admin, admin.Id, true));
        var last = await Assert.ThrowsAsync<OperationRefusedException>(() => app.Users.ChangeRoleAsync(Admin, admin.Id, Role.Op));

        Assert.Equal("You cannot disable yourself; another Admin can.", self.Message);
        Assert.Equal("admin is the last active Admin; make someone else Admin first.", last.Message);
        Assert.Equal(["Admin"], await RolesAsync(DashboardAppHost.AdminUserName));
    }

    [Fact]
    public async Task A_reset_gives_a_new_password_to_change_lifts_the_lockout_and_is_audited_without_it()
    {
        var first = await app.Users.CreateAsync(Admin, "ivan", Role.User);
        await using (var scope = app.Host.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<DashboardUser>>();
            var ivan = (await users.FindByNameAsync("ivan"))!;
            await users.SetLockoutEndDateAsync(ivan, DateTimeOffset.UtcNow.AddMinutes(15));
        }

        var second = await app.Users.ResetPasswordAsync(Admin, (await FindAsync("ivan")).Id);

        Assert.NotEqual(first, second);
        var listed = (await app.Users.ListAsync(Admin)).Single(u => u.UserName == "ivan");
        Assert.Equal((true, (DateTimeOffset?)null), (listed.MustChangePassword, listed.LockedUntil));
        await using (var scope = app.Host.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<DashboardUser>>();
            var ivan = (await users.FindByNameAsync("ivan"))!;
            Assert.True(await users.CheckPasswordAsync(ivan, second));
            Assert.False(await users.CheckPasswordAsync(ivan, first));
        }

        var audit = await AuditAsync("user.reset_password", "ivan");
        Assert.DoesNotContain(second, audit.Details);
    }

    private async Task<DashboardUser> FindAsync(string userName)
    {
        await using var db = new SecurityDbContext(SecurityDbContext.Options(app.ConnectionString));
        return await db.Users.AsNoTracking().SingleAsync(u => u.UserName == userName);
    }

    private async Task<List<string>> RolesAsync(string userName)
    {
        await using var db = new SecurityDbContext(SecurityDbContext.Options(app.ConnectionString));
        return await (from user in db.Users
                      join userRole in db.UserRoles on user.Id equals userRole.UserId
                      join role in db.Roles on userRole.RoleId equals role.Id
                      where user.UserName == userName
                      select role.Name!).ToListAsync();
    }

    private async Task<int> AuditCountAsync()
    {
        await using var db = app.CreateContext();
        return await db.AuditLog.CountAsync();
    }

    private async Task<Dashboard.Core.Domain.AuditLogEntry> AuditAsync(string action, string userName)
    {
        await using var db = app.CreateContext();
        var rows = await db.AuditLog.Where(a => a.Action == action).ToListAsync();
        return Assert.Single(rows, r => r.Details.Contains($"\"user_name\": \"{userName}\"", StringComparison.Ordinal));
    }
}
