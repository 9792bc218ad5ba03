using Dashboard.Core.Security;
using Dashboard.Web.Hosting;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// Who is acting in this circuit. Until sign-in exists it is the configured operator name, with
/// the Admin role: the one person a local install has.
/// </summary>
public sealed class CurrentOperator(IOptions<DashboardOptions> options)
{
    public Actor Actor => new(options.Value.OperatorName, Role.Admin);
}
