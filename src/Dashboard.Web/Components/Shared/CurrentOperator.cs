using Dashboard.Web.Hosting;
using Microsoft.Extensions.Options;

namespace Dashboard.Web.Components.Shared;

/// <summary>Who is acting in this circuit; the configured operator name until sign-in exists.</summary>
public sealed class CurrentOperator(IOptions<DashboardOptions> options)
{
    public string Name => options.Value.OperatorName;
}
