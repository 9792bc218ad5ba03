using Tmds.Linux;

namespace Dashboard.Scheduler.Execution.Containment;

/// <summary>kill(2), which .NET offers only for single processes of its own.</summary>
internal static class ProcessSignals
{
    /// <summary>SIGKILL to <paramref name="pid"/>, or to a process group when negative; a process already gone is no error.</summary>
    public static void Kill(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            _ = LibC.kill(pid, LibC.SIGKILL);
        }
    }
}
