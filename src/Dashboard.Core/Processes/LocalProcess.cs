using System.Globalization;

namespace Dashboard.Core.Processes;

/// <summary>
/// A process on this machine, told apart from a later process that reuses its pid: the pid plus
/// its start time, read from /proc (in clock ticks since boot, qualified by the boot's id, so a
/// reboot cannot make an old identity match a new process).
/// </summary>
public sealed record LocalProcess(int Pid, string StartedAt)
{
    private static readonly Lazy<string> BootId = new(() => ReadFirstLine("/proc/sys/kernel/random/boot_id")?.Trim() ?? "");

    /// <summary>This process.</summary>
    public static LocalProcess? Current { get; } = Of(Environment.ProcessId);

    /// <summary>The process running with <paramref name="pid"/> now, or null when there is none (a zombie counts as none).</summary>
    public static LocalProcess? Of(int pid) =>
        ReadStat(pid) is { State: not ('Z' or 'X') } stat ? new LocalProcess(pid, $"{BootId.Value}/{stat.StartTicks}") : null;

    /// <summary>True while this very process runs: its pid is in use, and by a process that started when it did.</summary>
    public bool IsRunning => Of(Pid) == this;

    /// <summary>True when /proc tells processes apart on this machine (Linux); elsewhere nothing here can be known.</summary>
    public static bool IsSupported => Current is not null;

    public override string ToString() => $"{Pid}@{StartedAt}";

    /// <summary>The inverse of <see cref="ToString"/>; null for anything else.</summary>
    public static LocalProcess? Parse(string text) =>
        text.Split('@', 2) is [var pid, var startedAt] && int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && startedAt.Length > 0
            ? new LocalProcess(value, startedAt)
            : null;

    /// <summary>Field 3 (state) and field 22 (start time) of /proc/PID/stat; the name in field 2 may hold spaces and parentheses.</summary>
    private static (char State, string StartTicks)? ReadStat(int pid)
    {
        var stat = ReadFirstLine($"/proc/{pid}/stat");
        var end = stat?.LastIndexOf(')') ?? -1;
        if (stat is null || end < 0)
        {
            return null;
        }

        var fields = stat[(end + 2)..].Split(' ');
        return fields.Length > 19 ? (fields[0][0], fields[19]) : null;
    }

    private static string? ReadFirstLine(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            return reader.ReadLine();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // no such process (or no /proc at all)
        }
    }
}
