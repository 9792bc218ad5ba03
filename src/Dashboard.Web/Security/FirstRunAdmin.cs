using Dashboard.Core.Persistence;
using Dashboard.Core.Security;
using Dashboard.Web.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Web.Security;

/// <summary>
/// At start-up, when nobody can sign in yet (no user at all), creates <c>admin</c> with the Admin
/// role: with Dashboard:AdminPassword when it is set, otherwise with a random password written once
/// to the console, to be changed at first sign-in. Two instances starting together create one
/// admin: the unique user name lets one insert win, and the other stands back.
/// </summary>
public static class FirstRunAdmin
{
    public const string UserName = "admin";

    /// <summary>Who the first user's audit row names.</summary>
    private static readonly Actor System = new("system", Role.Admin);

    /// <returns>True when this call created the admin.</returns>
    public static async Task<bool> EnsureAsync(IServiceProvider services, CancellationToken ct = default)
    {
        var dbFactory = services.GetRequiredService<IDbContextFactory<SecurityDbContext>>();
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            if (await db.Users.AnyAsync(ct))
            {
                return false;
            }
        }

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Dashboard.SignIn");
        var configured = services.GetRequiredService<IOptions<DashboardOptions>>().Value.AdminPassword;
        var password = string.IsNullOrEmpty(configured) ? Passwords.Generate() : configured;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var admin = new DashboardUser { UserName = UserName, MustChangePassword = string.IsNullOrEmpty(configured), CreatedAt = now };

        try
        {
            await using var change = await UserChange.BeginAsync(
                services.GetRequiredService<IServiceScopeFactory>(), services.GetRequiredService<IDbContextFactory<DashboardDbContext>>(), ct);
            var created = await change.Users.CreateAsync(admin, password);
            if (!created.Succeeded)
            {
                if (created.Errors.Any(e => e.Code == nameof(Microsoft.AspNetCore.Identity.IdentityErrorDescriber.DuplicateUserName)))
                {
                    return false;
                }

                throw new InvalidOperationException($"Cannot create the first user: {UserAdministration.Describe(created)}");
            }

            UserAdministration.Check(await change.Users.AddToRoleAsync(admin, nameof(Role.Admin)));
            change.Audit(now, System, "user.create", new { UserName, Role = nameof(Role.Admin), FirstRun = true });
            await change.CommitAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Another instance created it a moment ago.
            return false;
        }

        if (string.IsNullOrEmpty(configured))
        {
            services.GetRequiredService<FirstRunConsole>().WriteInitialPassword(UserName, password);
            logger.LogInformation("Created the first user {UserName} (Admin); its one-time password was written to the console", UserName);
        }
        else
        {
            logger.LogInformation("Created the first user {UserName} (Admin) with the password of Dashboard:AdminPassword", UserName);
        }

        return true;
    }
}
