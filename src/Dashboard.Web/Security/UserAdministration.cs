using Dashboard.Core.Operations;
using Dashboard.Core.Persistence;
using Dashboard.Core.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Web.Security;

/// <summary>One user as the users page lists them.</summary>
public sealed record UserSummary(
    string Id,
    string UserName,
    Role Role,
    bool Disabled,
    bool MustChangePassword,
    DateTimeOffset? LockedUntil,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt);

/// <summary>
/// What an Admin does to users: list, create, disable and enable, reset a password, change a role.
/// Every method demands <see cref="Permission.ManageUsers"/> of the actor, whoever calls it; every
/// change writes its audit row in the same transaction and renews the user's security stamp, so
/// their open sessions and circuits end at the next revalidation. Passwords the app chooses are
/// returned once, to be shown once, and never logged or audited.
/// </summary>
public sealed class UserAdministration(IServiceScopeFactory scopes, IDbContextFactory<DashboardDbContext> dashboardDbs, TimeProvider clock)
{
    public async Task<IReadOnlyList<UserSummary>> ListAsync(Actor actor, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageUsers, "list users");
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SecurityDbContext>();
        var users = await db.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(ct);
        var roles = (await (from userRole in db.UserRoles
                            join role in db.Roles on userRole.RoleId equals role.Id
                            select new { userRole.UserId, role.Name }).AsNoTracking().ToListAsync(ct))
            .ToLookup(r => r.UserId, r => r.Name ?? "");
        var now = clock.GetUtcNow();
        return [.. users.Select(u => new UserSummary(
            u.Id, u.UserName ?? "", SignedInUser.EffectiveRole(roles[u.Id]), u.Disabled, u.MustChangePassword,
            u.LockoutEnd > now ? u.LockoutEnd : null, u.CreatedAt, u.LastSignInAt))];
    }

    /// <param name="password">The initial password; null for a random one.</param>
    /// <returns>The initial password, which the user must change at first sign-in.</returns>
    public async Task<string> CreateAsync(Actor actor, string userName, Role role, string? password = null, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageUsers, "create users");
        userName = userName.Trim();
        if (userName.Length == 0)
        {
            throw new OperationRefusedException("A user needs a name.");
        }

        password = string.IsNullOrEmpty(password) ? Passwords.Generate() : password;
        await using var change = await BeginAsync(ct);
        var now = clock.GetUtcNow();
        var user = new DashboardUser { UserName = userName, MustChangePassword = true, CreatedAt = now };
        Check(await change.Users.CreateAsync(user, password));
        Check(await change.Users.AddToRoleAsync(user, role.ToString()));
        change.Audit(now, actor, "user.create", new { UserName = userName, Role = role.ToString() });
        await CommitAsync(change, ct);
        return password;
    }

    public async Task SetDisabledAsync(Actor actor, string userId, bool disabled, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageUsers, disabled ? "disable users" : "enable users");
        await using var change = await BeginAsync(ct);
        var user = await FindAsync(change, userId);
        if (user.Disabled == disabled)
        {
            return;
        }

        if (disabled)
        {
            if (string.Equals(user.UserName, actor.Name, StringComparison.OrdinalIgnoreCase))
            {
                throw new OperationRefusedException("You cannot disable yourself; another Admin can.");
            }

            await RefuseLosingTheLastAdminAsync(change, user);
        }

        user.Disabled = disabled;
        if (!disabled)
        {
            // A fresh start: failures counted before the account was disabled do not lock it now.
            Check(await change.Users.SetLockoutEndDateAsync(user, null));
            Check(await change.Users.ResetAccessFailedCountAsync(user));
        }

        Check(await change.Users.UpdateSecurityStampAsync(user));
        change.Audit(clock.GetUtcNow(), actor, disabled ? "user.disable" : "user.enable", new { user.UserName });
        await CommitAsync(change, ct);
    }

    /// <returns>The new password, which the user must change at their next sign-in.</returns>
    public async Task<string> ResetPasswordAsync(Actor actor, string userId, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageUsers, "reset passwords");
        await using var change = await BeginAsync(ct);
        var user = await FindAsync(change, userId);
        var password = Passwords.Generate();
        user.MustChangePassword = true;
        if (await change.Users.HasPasswordAsync(user))
        {
            Check(await change.Users.RemovePasswordAsync(user));
        }

        // Adding the password renews the security stamp; a reset also lifts a lockout.
        Check(await change.Users.AddPasswordAsync(user, password));
        Check(await change.Users.SetLockoutEndDateAsync(user, null));
        Check(await change.Users.ResetAccessFailedCountAsync(user));
        change.Audit(clock.GetUtcNow(), actor, "user.reset_password", new { user.UserName });
        await CommitAsync(change, ct);
        return password;
    }

    public async Task ChangeRoleAsync(Actor actor, string userId, Role role, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageUsers, "change roles");
        await using var change = await BeginAsync(ct);
        var user = await FindAsync(change, userId);
        var current = await change.Users.GetRolesAsync(user);
        var from = SignedInUser.EffectiveRole(current);
        if (current.Count == 1 && from == role)
        {
            return;
        }

        if (role != Role.Admin)
        {
            await RefuseLosingTheLastAdminAsync(change, user);
        }

        Check(await change.Users.RemoveFromRolesAsync(user, current));
        Check(await change.Users.AddToRoleAsync(user, role.ToString()));
        Check(await change.Users.UpdateSecurityStampAsync(user));
        change.Audit(clock.GetUtcNow(), actor, "user.change_role", new { user.UserName, From = from.ToString(), To = role.ToString() });
        await CommitAsync(change, ct);
    }

    /// <summary>
    /// A signed-in user changing their own password (no role needed), which ends a forced change.
    /// The new security stamp ends their other sessions; the caller signs this one in again.
    /// </summary>
    public async Task ChangeOwnPasswordAsync(Actor actor, string userId, string currentPassword, string newPassword, CancellationToken ct = default)
    {
        if (currentPassword == newPassword)
        {
            throw new OperationRefusedException("Choose a new password, not the current one.");
        }

        await using var change = await BeginAsync(ct);
        var user = await FindAsync(change, userId);
        user.MustChangePassword = false;
        var changed = await change.Users.ChangePasswordAsync(user, currentPassword, newPassword);
        if (changed.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.PasswordMismatch)))
        {
            throw new OperationRefusedException("The current password is incorrect.");
        }

        Check(changed);
        change.Audit(clock.GetUtcNow(), actor, "user.change_password", new { user.UserName });
        await CommitAsync(change, ct);
    }

    internal static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new OperationRefusedException(Describe(result));
        }
    }

    internal static string Describe(IdentityResult result) => string.Join(" ", result.Errors.Select(e => e.Description));

    private Task<UserChange> BeginAsync(CancellationToken ct) => UserChange.BeginAsync(scopes, dashboardDbs, ct);

    private static async Task CommitAsync(UserChange change, CancellationToken ct)
    {
        try
        {
            await change.CommitAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw new OperationRefusedException("Someone changed users at the same moment; reload the list and try again.");
        }
    }

    private static async Task<DashboardUser> FindAsync(UserChange change, string userId) =>
        await change.Users.FindByIdAsync(userId) ?? throw new OperationRefusedException("That user does not exist any more.");

    /// <summary>Somebody must stay able to manage users.</summary>
    private static async Task RefuseLosingTheLastAdminAsync(UserChange change, DashboardUser user)
    {
        var admins = await change.Users.GetUsersInRoleAsync(nameof(Role.Admin));
        if (admins.Any(a => a.Id == user.Id) && !admins.Any(a => a.Id != user.Id && !a.Disabled))
        {
            throw new OperationRefusedException($"{user.UserName} is the last active Admin; make someone else Admin first.");
        }
    }
}
