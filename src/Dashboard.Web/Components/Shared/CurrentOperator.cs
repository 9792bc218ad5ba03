using Dashboard.Core.Security;
using Dashboard.Web.Hosting;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// Who is acting in this circuit. Until sign-in exists it is the configured operator, by default
/// with the Admin role: the one person a local install has.
/// </summary>
public sealed class CurrentOperator(IOptions<DashboardOptions> options)
{
    public Actor Actor => new(options.Value.OperatorName, options.Value.OperatorRole);

    /// <summary>
    /// Why this user may not do it, for the tooltip of the button it disables; null when they may.
    /// The service refuses it anyway: this only spares them a refusal.
    /// </summary>
    public string? WhyNot(Permission permission) =>
        Actor.Can(permission) ? null : $"Needs the {Actor.Needed(permission)} role; you have the {Actor.Role} role.";
}
