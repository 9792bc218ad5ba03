using System.Globalization;

namespace Dashboard.Core.Processes;

/// <summary>
/// A process on this machine, told apart from a later process that reuses its pid: the pid, its
/// start time (clock ticks since boot, from /proc) and the machine scope it was seen in (the boot's
/// id and the pid namespace), so neither a reboot nor another container's process can pass for it.
/// </summary>
public sealed record LocalProcess(int Pid, long StartTicks, string Scope)
{
    /// <summary>This boot of this machine, as this process's pid namespace sees it; empty without /proc.</summary>
    public static string CurrentScope { get; } = ReadScope();

    /// <summary>This process; null where /proc does not tell processes apart (not Linux).</summary>
    public static LocalProcess? Current { get; } = Of(Environment.ProcessId);

    /// <summary>The process running with <paramref name="pid"/> now, or null when there is none (a zombie counts as none).</summary>
    public static LocalProcess? Of(int pid) =>
        CurrentScope.Length > 0 && ReadStat(pid) is { State: not ('Z' or 'X') } stat ? new LocalProcess(pid, stat.StartTicks, CurrentScope) : null;

    /// <summary>
    /// True while this very process runs; false once it has ended, even if its pid was reused.
    /// Null when that cannot be known here: it was seen in another boot or pid namespace.
    /// </summary>
    public bool? IsRunning => Scope == CurrentScope && CurrentScope.Length > 0 ? Of(Pid) == this : null;

    /// <summary>pid-ticks: unique among the processes of one boot, and safe in a file name.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture, $"{Pid}-{StartTicks}");

    public override string ToString() => $"{Key}@{Scope}";

    /// <summary>The inverse of <see cref="ToString"/>; null for anything else.</summary>
    public static LocalProcess? Parse(string text) =>
        text.Split('@', 2) is [var key, var scope] && ParseKey(key) is { } parsed && scope.Length > 0
            ? new LocalProcess(parsed.Pid, parsed.StartTicks, scope)
            : null;

    /// <summary>The process a <see cref="Key"/> names, seen in this machine scope.</summary>
    public static LocalProcess? ParseKey(string key, string? scope = null) =>
        key.Split('-') is [var pid, var ticks]
        && int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var pidValue)
        && long.TryParse(ticks, NumberStyles.None, CultureInfo.InvariantCulture, out var ticksValue)
            ? new LocalProcess(pidValue, ticksValue, scope ?? CurrentScope)
            : null;

    /// <summary>Field 3 (state) and field 22 (start time) of /proc/PID/stat; the name in field 2 may hold spaces and parentheses.</summary>
    private static (char State, long StartTicks)? ReadStat(int pid)
    {
        var stat = ReadFirstLine($"/proc/{pid}/stat");
        var end = stat?.LastIndexOf(')') ?? -1;
        if (stat is null || end < 0)
        {
            return null;
        }

        var fields = stat[(end + 2)..].Split(' ');
        return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            ? (fields[0][0], ticks)
            : null;
    }

    private static string ReadScope()
    {
        var bootId = ReadFirstLine("/proc/sys/kernel/random/boot_id")?.Trim();
        string? pidNamespace;
        try
        {
            // "pid:[4026531836]": the namespace's inode.
            pidNamespace = new string([.. (new FileInfo("/proc/self/ns/pid").LinkTarget ?? "").Where(char.IsDigit)]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            pidNamespace = null;
        }

        return string.IsNullOrEmpty(bootId) || string.IsNullOrEmpty(pidNamespace) ? "" : $"{bootId}.{pidNamespace}";
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
