using Microsoft.AspNetCore.Identity;

namespace Dashboard.Web.Security;

public enum SignInOutcome
{
    SignedIn,

    /// <summary>Signed in, but the session is good for nothing but choosing a new password.</summary>
    MustChangePassword,
    Failed,
    LockedOut,
    Disabled,
}

/// <summary>
/// Sign-in by user name and password, answering the same way whether or not the name exists:
/// a wrong password and an unknown name both fail, and both lock after the same number of
/// attempts (Identity locks real accounts; <see cref="UnknownNameLockout"/> imitates it).
/// </summary>
public sealed class PasswordSignIn(SignInManager<DashboardUser> signInManager, UnknownNameLockout unknownNames, TimeProvider clock)
{
    public async Task<SignInOutcome> SignInAsync(string userName, string password)
    {
        var users = signInManager.UserManager;
        var user = await users.FindByNameAsync(userName.Trim());
        if (user is null)
        {
            // Hash anyway, so an unknown name takes as long to refuse as a wrong password.
            users.PasswordHasher.VerifyHashedPassword(new DashboardUser(), UnknownNameLockout.DecoyHash, password);
            return unknownNames.Fail(userName) ? SignInOutcome.LockedOut : SignInOutcome.Failed;
        }

        var result = await signInManager.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            user.LastSignInAt = clock.GetUtcNow();
            await users.UpdateAsync(user);
            return user.MustChangePassword ? SignInOutcome.MustChangePassword : SignInOutcome.SignedIn;
        }

        return result.IsLockedOut ? SignInOutcome.LockedOut
            : result.IsNotAllowed ? SignInOutcome.Disabled
            : SignInOutcome.Failed;
    }
}

/// <summary>
/// Failed sign-ins under names that do not exist, counted like Identity counts a real account's,
/// so "locked out" does not tell that a name exists. Per process and bounded: a flood of names
/// forgets the oldest, which only makes a probe look less like an account.
/// </summary>
public sealed class UnknownNameLockout(TimeProvider clock)
{
    public const int MaxFailedAttempts = SecurityDefaults.MaxFailedAccessAttempts;
    private const int MaxNames = 10_000;

    /// <summary>A hash of a random password, to spend on unknown names the time a real check takes.</summary>
    internal static readonly string DecoyHash = new PasswordHasher<DashboardUser>().HashPassword(new DashboardUser(), Guid.NewGuid().ToString());

    private readonly Dictionary<string, (int Failures, DateTimeOffset LockedUntil)> _names = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Records a failed attempt; true when the name is (now) locked.</summary>
    public bool Fail(string userName)
    {
        var now = clock.GetUtcNow();
        var name = userName.Trim();
        lock (_names)
        {
            if (_names.Count >= MaxNames)
            {
                foreach (var stale in _names.Where(n => n.Value.LockedUntil <= now && n.Value.Failures >= MaxFailedAttempts).Select(n => n.Key).ToList())
                {
                    _names.Remove(stale);
                }

                if (_names.Count >= MaxNames)
                {
                    _names.Clear();
                }
            }

            var (failures, lockedUntil) = _names.GetValueOrDefault(name);
            if (lockedUntil > now)
            {
                return true;
            }

            failures = failures >= MaxFailedAttempts ? 1 : failures + 1;
            var locked = failures >= MaxFailedAttempts;
            _names[name] = (failures, locked ? now + SecurityDefaults.LockoutDuration : default);
            return locked;
        }
    }
}
