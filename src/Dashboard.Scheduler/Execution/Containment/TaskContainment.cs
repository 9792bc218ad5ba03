using System.Diagnostics;
using Dashboard.Core.Transitions;
using Microsoft.Extensions.Logging;

namespace Dashboard.Scheduler.Execution.Containment;

/// <summary>How the executor keeps a try's processes together (<c>Executor:Containment</c>).</summary>
public enum TaskContainmentMode
{
    /// <summary>A cgroup per try where the machine allows it, otherwise a child subreaper per try.</summary>
    Auto,

    /// <summary>A cgroup per try, or the executor does not start.</summary>
    Cgroup,

    /// <summary>A child subreaper per try, or the executor does not start.</summary>
    Subreaper,
}

/// <summary>
/// Makes every process a try starts end with the try. A task's session alone does not do it: a
/// daemon (<c>setsid nohup sleep 1000 &amp;</c>) leaves the session and would outlive the try and
/// the app. One instance per executor.
/// </summary>
public abstract class TaskContainment : IDisposable
{
    /// <summary>The containment <paramref name="mode"/> asks for, or the best this machine offers.</summary>
    /// <exception cref="InvalidOperationException">The mode asked for is not available here.</exception>
    public static TaskContainment Create(TaskContainmentMode mode, ILogger logger)
    {
        var noCgroup = "not asked for";
        if (mode != TaskContainmentMode.Subreaper)
        {
            if (CgroupContainment.TryCreate(logger, out noCgroup) is { } cgroups)
            {
                logger.LogInformation("Each try runs in a cgroup of its own under {Cgroup}; all its processes end with it", cgroups.Directory);
                return cgroups;
            }

            if (mode == TaskContainmentMode.Cgroup)
            {
                throw new InvalidOperationException($"Executor:Containment is Cgroup, but {noCgroup}.");
            }
        }

        if (SubreaperContainment.TryCreate(out var noSubreaper) is { } subreaper)
        {
            logger.LogInformation(
                "Each try runs under a child subreaper of its own, which ends every process the try started (no cgroup: {Reason})", noCgroup);
            return subreaper;
        }

        if (mode == TaskContainmentMode.Subreaper)
        {
            throw new InvalidOperationException($"Executor:Containment is Subreaper, but {noSubreaper}.");
        }

        logger.LogWarning(
            "Tasks are contained by their session only, so a daemon a task starts can outlive its try: no cgroup ({Cgroup}) and no subreaper ({Subreaper})",
            noCgroup, noSubreaper);
        return new SessionContainment();
    }

    /// <summary>A container for one try's processes; disposing it kills whatever is left in it.</summary>
    public abstract TryContainer Open(ClaimedTry attempt);

    public virtual void Dispose()
    {
    }
}

/// <summary>
/// One try's processes, however many it starts. The process it launches reads the executor's end
/// of a pipe on stdin: when that closes (the executor ends the try, or the app died), every process
/// of the try is killed.
/// </summary>
public abstract class TryContainer : IAsyncDisposable
{
    /// <summary>The process that runs <paramref name="command"/> in this container, with the task's <paramref name="environment"/>.</summary>
    public abstract ProcessStartInfo StartInfo(string command, IReadOnlyDictionary<string, string> environment);

    /// <summary>Ends the try now (a timeout, a clear, a shutdown): what the container does besides closing the launcher's stdin.</summary>
    /// <param name="launcher">The process <see cref="StartInfo"/> started.</param>
    public virtual void Kill(int launcher)
    {
    }

    /// <summary>Once the launcher has exited: ends whatever the try left and returns when nothing is left.</summary>
    public virtual Task EndAsync() => Task.CompletedTask;

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
