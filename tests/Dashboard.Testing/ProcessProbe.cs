using System.Diagnostics;
using System.Globalization;
using Dashboard.Core.Processes;

namespace Dashboard.Testing;

/// <summary>What /proc says about processes a task started: whether they still run, and in which session.</summary>
public static class ProcessProbe
{
    /// <summary>False once the process has no /proc entry or is a zombie nobody has reaped yet.</summary>
    public static bool IsAlive(int pid) => Stat(pid) is { } fields && fields[0] is not ("Z" or "X");

    /// <summary>The session the process runs in (field 6 of /proc/PID/stat).</summary>
    public static int SessionOf(int pid) =>
        int.Parse((Stat(pid) ?? throw new InvalidOperationException($"Process {pid} is gone."))[3], CultureInfo.InvariantCulture);

    /// <summary>The live processes whose argv[0] is <paramref name="name"/> (as <c>exec -a name</c> sets it).</summary>
    public static IReadOnlyList<int> Named(string name)
    {
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(entry, "cmdline")).Split('\0')[0] == name && IsAlive(pid))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }

        return found;
    }

    /// <summary>A process of this machine that has ended: what an executor that died leaves in its id.</summary>
    public static async Task<LocalProcess> EndedProcessAsync()
    {
        using var process = Process.Start(new ProcessStartInfo("sleep", ["1000"]) { UseShellExecute = false })!;
        var identity = LocalProcess.Of(process.Id) ?? throw new InvalidOperationException("/proc does not tell processes apart here.");
        process.Kill();
        await process.WaitForExitAsync();
        return identity;
    }

    /// <summary>Waits until the process is gone; false when it still runs after <paramref name="timeout"/>.</summary>
    public static async Task<bool> EndsWithinAsync(int pid, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (IsAlive(pid))
        {
            if (stopwatch.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>The fields of /proc/PID/stat after the command name (which may hold spaces): state first.</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
