using System.Diagnostics;
using Dashboard.Core.Processes;
using Dashboard.Core.Transitions;
using Microsoft.Extensions.Logging;

namespace Dashboard.Scheduler.Execution.Containment;

/// <summary>
/// A cgroup (v2) per try, inside one per executor, inside the app's own cgroup. A process cannot
/// leave its cgroup (only be moved by someone allowed to), so writing cgroup.kill ends every
/// process the try started, however it detached itself. Needs a cgroup v2 hierarchy the app may
/// write to (root, or a delegated subtree) and Linux 5.14 or later (cgroup.kill).
/// </summary>
internal sealed class CgroupContainment : TaskContainment
{
    private const string ExecutorPrefix = "dashboard-";

    private readonly ILogger _logger;

    /// <summary>
    /// dashboard-{pid}-{start ticks}-{random}: named after the executor's process, so the next
    /// executor on this machine can tell one that died and clean up after it.
    /// </summary>
    private static string ExecutorName(string suffix) => $"{ExecutorPrefix}{LocalProcess.Current?.Key ?? "0-0"}-{suffix}";

    private CgroupContainment(string directory, ILogger logger)
    {
        Directory = directory;
        _logger = logger;
    }

    /// <summary>This executor's cgroup; each try gets one inside it.</summary>
    public string Directory { get; }

    /// <returns>The containment, or null with the reason why this machine offers none.</returns>
    public static CgroupContainment? TryCreate(ILogger logger, out string unavailable)
    {
        if (OwnCgroup(out unavailable) is not { } parent)
        {
            return null;
        }

        RemoveThoseOfDeadExecutors(parent, logger);
        var directory = Path.Combine(parent, ExecutorName(Guid.NewGuid().ToString("N")[..8]));
        try
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            unavailable = $"no cgroup can be made in {parent} ({e.Message})";
            return null;
        }

        var reason = !File.Exists(Path.Combine(directory, "cgroup.kill"))
            ? "the kernel cannot kill a cgroup (cgroup.kill needs Linux 5.14 or later)"
            : CannotMoveProcessesInto(directory);
        if (reason is not null)
        {
            TryRemove(directory);
            unavailable = reason;
            return null;
        }

        return new CgroupContainment(directory, logger);
    }

    public override TryContainer Open(ClaimedTry attempt)
    {
        var directory = Path.Combine(Directory, $"try-{attempt.Id}-{attempt.TryNumber}");
        System.IO.Directory.CreateDirectory(directory);
        return new CgroupTry(directory, _logger);
    }

    public override void Dispose() => KillAndRemove(Directory, _logger);

    /// <summary>
    /// The app's own cgroup, as a directory: the cgroup2 mount (from /proc/self/mountinfo) joined
    /// with this process's path in it (the "0::" line of /proc/self/cgroup).
    /// </summary>
    private static string? OwnCgroup(out string unavailable)
    {
        unavailable = "";
        var path = ReadLines("/proc/self/cgroup").FirstOrDefault(line => line.StartsWith("0::", StringComparison.Ordinal))?[3..];
        // mountinfo: id parent major:minor root mount-point options ... - fstype source options
        var mount = ReadLines("/proc/self/mountinfo").Select(line => line.Split(' ')).FirstOrDefault(f => f.Length > 9 && f[^3] == "cgroup2");
        if (path is null || mount is null)
        {
            unavailable = "this machine has no cgroup v2 hierarchy";
            return null;
        }

        var (root, mountPoint) = (mount[3], mount[4]);
        if (!path.StartsWith(root, StringComparison.Ordinal))
        {
            unavailable = $"this process's cgroup {path} is outside the mounted cgroup v2 hierarchy";
            return null;
        }

        return Path.Join(mountPoint, path[root.Length..]);
    }

    /// <summary>Moving a process into a cgroup can be refused even where making one is not (delegation rules): try it.</summary>
    private static string? CannotMoveProcessesInto(string directory)
    {
        var probe = Path.Combine(directory, "probe");
        System.IO.Directory.CreateDirectory(probe);
        try
        {
            using var process = Process.Start(new ProcessStartInfo("sh", ["-c", "echo $$ > \"$0/cgroup.procs\"", probe])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"a process cannot be moved into {probe} ({error.Trim()})";
        }
        finally
        {
            TryRemove(probe);
        }
    }

    /// <summary>
    /// Executors that died (SIGKILL, a crash) could not remove their cgroups, and their tasks may
    /// still run in them if the watcher that ends them failed too: end them and remove the cgroups.
    /// </summary>
    private static void RemoveThoseOfDeadExecutors(string parent, ILogger logger)
    {
        foreach (var directory in SafeEnumerate(parent, ExecutorPrefix + "*"))
        {
            // dashboard-{pid}-{ticks}-{suffix}
            var parts = Path.GetFileName(directory)[ExecutorPrefix.Length..].Split('-');
            if (parts.Length == 3 && LocalProcess.ParseKey($"{parts[0]}-{parts[1]}") is { IsRunning: false })
            {
                logger.LogInformation("Removing the task cgroups of an executor that is gone: {Cgroup}", directory);
                KillAndRemove(directory, logger);
            }
        }
    }

    /// <summary>Kills everything in the cgroup and below it, then removes them all, deepest first.</summary>
    private static void KillAndRemove(string directory, ILogger logger)
    {
        foreach (var child in SafeEnumerate(directory, "*"))
        {
            KillAndRemove(child, logger);
        }

        CgroupTry.Kill(directory);
        if (!CgroupTry.WaitUntilEmptyAsync(directory).GetAwaiter().GetResult())
        {
            logger.LogWarning("Processes in {Cgroup} did not end within {Seconds} s of being killed", directory, CgroupTry.EmptyTimeout.TotalSeconds);
        }

        TryRemove(directory);
    }

    private static IEnumerable<string> SafeEnumerate(string directory, string pattern)
    {
        try
        {
            return System.IO.Directory.GetDirectories(directory, pattern);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    internal static bool TryRemove(string directory)
    {
        try
        {
            // A cgroup is removed with rmdir(2), its control files and all; Directory.Delete would try to delete the files first.
            System.IO.Directory.Delete(directory, recursive: false);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}

/// <summary>One try's cgroup.</summary>
internal sealed class CgroupTry(string directory, ILogger logger) : TryContainer
{
    /// <summary>A killed process still in uninterruptible sleep (a hung NFS read, say) may take a moment to go.</summary>
    internal static readonly TimeSpan EmptyTimeout = TimeSpan.FromSeconds(30);

    public override ProcessStartInfo StartInfo(string command, IReadOnlyDictionary<string, string> environment) =>
        SessionWrapper.StartInfo(command, directory, environment);

    public override void Kill(int launcher) => Kill(directory);

    public override async Task EndAsync()
    {
        Kill(directory);
        if (!await WaitUntilEmptyAsync(directory))
        {
            logger.LogWarning("Processes in {Cgroup} did not end within {Seconds} s of being killed", directory, EmptyTimeout.TotalSeconds);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await EndAsync();
        if (!CgroupContainment.TryRemove(directory))
        {
            logger.LogWarning("Could not remove the task cgroup {Cgroup}; the next executor to start removes it", directory);
        }
    }

    internal static void Kill(string directory)
    {
        try
        {
            File.WriteAllText(Path.Combine(directory, "cgroup.kill"), "1");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Already removed: nothing left to kill.
        }
    }

    /// <summary>Waits for "populated 0" in cgroup.events: no process left in the cgroup or below.</summary>
    internal static async Task<bool> WaitUntilEmptyAsync(string directory)
    {
        var events = Path.Combine(directory, "cgroup.events");
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            string text;
            try
            {
                text = await File.ReadAllTextAsync(events);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return true; // removed
            }

            if (text.Contains("populated 0", StringComparison.Ordinal))
            {
                return true;
            }

            if (stopwatch.Elapsed > EmptyTimeout)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10));
        }
    }
}
