using Dashboard.Core.Persistence;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Dashboard.Web.Security;

/// <summary>
/// Checks a session against its user (the security stamp), as Identity does, except while the
/// database cannot be reached: then the session stays as it is, unchecked, and is checked at the
/// next request or revalidation that reaches the database. Failing instead would answer every page
/// with an error, or sign every open page out, for an outage that has nothing to do with the
/// session; and meanwhile the session can do nothing that needs the database anyway.
/// </summary>
public sealed class SessionValidation(ILogger<SessionValidation> logger)
{
    private readonly OutageLog _outages = new(logger, "Checking sign-in sessions");

    /// <summary>Wraps the cookie's own check (<see cref="CookieAuthenticationEvents.OnValidatePrincipal"/>).</summary>
    public async Task ValidateCookieAsync(CookieValidatePrincipalContext context, Func<CookieValidatePrincipalContext, Task> check)
    {
        try
        {
            await check(context);
            _outages.Succeeded();
        }
        catch (Exception e) when (DashboardDatabase.IsUnavailable(e))
        {
            _outages.Failed(e);
        }
    }

    /// <summary>An open page's periodic check: true (still valid) while the database cannot say otherwise.</summary>
    public async Task<bool> IsStillValidAsync(Func<Task<bool>> check)
    {
        try
        {
            var valid = await check();
            _outages.Succeeded();
            return valid;
        }
        catch (Exception e) when (DashboardDatabase.IsUnavailable(e))
        {
            _outages.Failed(e);
            return true;
        }
    }
}
