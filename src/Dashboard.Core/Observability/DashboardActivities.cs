using System.Diagnostics;

namespace Dashboard.Core.Observability;

/// <summary>
/// The app's spans: a scheduler pass and an executor's try. An <see cref="ActivitySource"/> nobody
/// listens to starts nothing (<see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns
/// null), so the engine pays for spans only when the web host exports traces.
/// </summary>
public static class DashboardActivities
{
    public const string SourceName = "Dashboard";

    public static ActivitySource Source { get; } = new(SourceName);
}
