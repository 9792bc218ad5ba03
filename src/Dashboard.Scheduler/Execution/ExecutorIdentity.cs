using Dashboard.Core.Processes;

namespace Dashboard.Scheduler.Execution;

/// <summary>
/// What an executor id (host:process:random, stored with every try it claims) says about the
/// executor: whether it is one of this host's, and if so whether its process still runs. A try
/// whose executor is known to be gone can be retried at once instead of after the heartbeat timeout.
/// </summary>
public static class ExecutorIdentity
{
    public static string NewId() =>
        $"{Environment.MachineName}:{LocalProcess.Current?.ToString() ?? Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)}:{Guid.NewGuid():N}";

    /// <summary>
    /// True only when <paramref name="executorId"/> ran on this host, in this boot and pid namespace,
    /// and its process has ended (a pid now used by another process counts as ended). False when it
    /// runs, and whenever that cannot be known from here.
    /// </summary>
    public static bool IsGone(string executorId) =>
        executorId.Split(':') is [var host, var process, _]
        && host == Environment.MachineName
        && LocalProcess.Parse(process) is { IsRunning: false };
}
