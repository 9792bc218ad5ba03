using Dashboard.Web.Hosting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Web.Security;

/// <summary>
/// Sign-in for the web app: Identity on <see cref="SecurityDbContext"/>, a cookie session, and a
/// fallback policy that lets nothing through signed out except what is marked AllowAnonymous
/// (the sign-in page, /healthz, static files, the Blazor script, the error page).
/// </summary>
public static class SignInSetup
{
    public static IServiceCollection AddDashboardSignIn(this IServiceCollection services, string connectionString, DashboardOptions options)
    {
        // Registers the context as a scoped service too, which Identity's EF stores take.
        services.AddDbContextFactory<SecurityDbContext>(db => SecurityDbContext.Configure(db, connectionString));

        services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        services.AddIdentityCore<DashboardUser>(identity =>
            {
                identity.Password.RequiredLength = SecurityDefaults.MinPasswordLength;
                identity.Password.RequireDigit = false;
                identity.Password.RequireLowercase = false;
                identity.Password.RequireUppercase = false;
                identity.Password.RequireNonAlphanumeric = false;
                identity.Password.RequiredUniqueChars = 1;
                identity.Lockout.AllowedForNewUsers = true;
                identity.Lockout.MaxFailedAccessAttempts = SecurityDefaults.MaxFailedAccessAttempts;
                identity.Lockout.DefaultLockoutTimeSpan = SecurityDefaults.LockoutDuration;
                identity.User.RequireUniqueEmail = false;
                identity.User.AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@";
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<SecurityDbContext>()
            .AddSignInManager<DashboardSignInManager>()
            .AddClaimsPrincipalFactory<DashboardClaimsFactory>();

        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = ".Dashboard.Session";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            // Secure whenever the request came over HTTPS; plain http on localhost still works.
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = options.SessionTimeout;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = SecurityDefaults.SignInPath;
            cookie.LogoutPath = SecurityDefaults.SignOutPath;
            cookie.AccessDeniedPath = SecurityDefaults.ForbiddenPath;
            cookie.ReturnUrlParameter = SecurityDefaults.ReturnUrlParameter;
        });
        // Each request's cookie is checked against the user this often (the circuit's state has its own provider).
        services.Configure<SecurityStampValidatorOptions>(validator => validator.ValidationInterval = options.SessionRevalidationInterval);
        services.AddSingleton<SessionValidation>();
        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .Configure<SessionValidation>((cookie, validation) =>
            {
                var check = cookie.Events.OnValidatePrincipal;
                cookie.Events.OnValidatePrincipal = context => validation.ValidateCookieAsync(context, check);
            });

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingAuthenticationStateProvider>();

        services.AddDataProtection().SetApplicationName("Dashboard");
        services.AddOptions<KeyManagementOptions>()
            .Configure<IDbContextFactory<SecurityDbContext>>((keys, dbFactory) => keys.XmlRepository = new DatabaseKeyRepository(dbFactory));

        services.AddSingleton<UnknownNameLockout>();
        services.AddScoped<PasswordSignIn>();
        services.AddSingleton<UserAdministration>();
        services.TryAddSingleton(new FirstRunConsole(Console.Out));
        return services;
    }

    /// <summary>
    /// A session whose password must be changed reaches the change-password page and sign-out,
    /// and nothing else: pages redirect there, anything else is refused.
    /// </summary>
    public static IApplicationBuilder UseForcedPasswordChange(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (!SignedInUser.MustChangePassword(context.User)
                || context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null
                || context.Request.Path.Equals(SecurityDefaults.ChangePasswordPath, StringComparison.OrdinalIgnoreCase)
                || context.Request.Path.Equals(SecurityDefaults.SignOutPath, StringComparison.OrdinalIgnoreCase))
            {
                return next(context);
            }

            if (HttpMethods.IsGet(context.Request.Method))
            {
                var returnUrl = context.Request.Path + context.Request.QueryString;
                context.Response.Redirect(context.Request.PathBase.Add(SecurityDefaults.ChangePasswordPath)
                    .Add(QueryString.Create(SecurityDefaults.ReturnUrlParameter, returnUrl)));
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
            }

            return Task.CompletedTask;
        });

    /// <summary><c>POST /signout</c> (with the antiforgery token of a form): ends the session here and everywhere else.</summary>
    public static void MapSignOut(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(SecurityDefaults.SignOutPath, async (HttpContext context, IAntiforgery antiforgery, SignInManager<DashboardUser> signInManager) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.BadRequest();
            }

            // A new security stamp ends this user's other sessions and open circuits at their next revalidation.
            if (await signInManager.UserManager.GetUserAsync(context.User) is { } user)
            {
                await signInManager.UserManager.UpdateSecurityStampAsync(user);
            }

            await signInManager.SignOutAsync();
            return Results.LocalRedirect(SecurityDefaults.SignInPath);
        }).AllowAnonymous();
}
