using Dashboard.Web.Hosting;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Security;

/// <summary>
/// Re-checks a circuit's user every <see cref="DashboardOptions.SessionRevalidationInterval"/>:
/// once the security stamp changed (signed out, disabled, role changed, password reset) or the
/// user is gone, the circuit becomes signed out, so it may no longer act and its pages send it
/// to the sign-in page. A database that cannot be reached signs nobody out (<see cref="SessionValidation"/>).
/// </summary>
internal sealed class RevalidatingAuthenticationStateProvider(
    ILoggerFactory loggerFactory, IServiceScopeFactory scopes, SessionValidation validation, IOptions<DashboardOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => options.Value.SessionRevalidationInterval;

    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken) =>
        validation.IsStillValidAsync(async () =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<DashboardUser>>();
            return await signIn.ValidateSecurityStampAsync(authenticationState.User) is not null;
        });
}
