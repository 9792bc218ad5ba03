using System.Globalization;

namespace Dashboard.Bench;

/// <summary>
/// CPU time from /proc, in clock ticks: the whole machine's (every process: PostgreSQL and the tasks
/// included) and this process's own. Near 100 % busy means the machine is the limit; well below
/// means the engine waits on itself.
/// </summary>
internal readonly record struct CpuUsage(long Busy, long Total, long Own)
{
    /// <summary>Null where /proc does not exist.</summary>
    public static CpuUsage? Read()
    {
        if (!File.Exists("/proc/stat") || !File.Exists("/proc/self/stat"))
        {
            return null;
        }

        // cpu  user nice system idle iowait irq softirq steal ...
        var machine = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1).Take(8).Select(Parse).ToArray();
        var idle = machine[3] + machine[4];

        // pid (comm) state ... utime stime: the 14th and 15th fields; comm may hold spaces, so count from its ')'.
        var self = File.ReadAllText("/proc/self/stat");
        var fields = self[(self.LastIndexOf(')') + 2)..].Split(' ');
        return new CpuUsage(machine.Sum() - idle, machine.Sum(), Parse(fields[11]) + Parse(fields[12]));
    }

    /// <summary>The busy share of all CPUs from <paramref name="before"/> to <paramref name="after"/>, 0 to 1.</summary>
    public static double? Between(CpuUsage? before, CpuUsage? after) =>
        before is { } b && after is { } a && a.Total > b.Total ? (double)(a.Busy - b.Busy) / (a.Total - b.Total) : null;

    /// <summary>Like <see cref="Between"/>, without this process's own share: what other programs used.</summary>
    public static double? OthersBetween(CpuUsage? before, CpuUsage? after) =>
        before is { } b && after is { } a && a.Total > b.Total
            ? Math.Max(0, (double)(a.Busy - b.Busy - (a.Own - b.Own)) / (a.Total - b.Total))
            : null;

    private static long Parse(string field) => long.Parse(field, CultureInfo.InvariantCulture);

    /// <summary>
    /// How busy other programs keep the machine for a second before a benchmark starts, with a
    /// warning through <paramref name="progress"/> when it is enough to distort the results.
    /// </summary>
    public static async Task<double?> OtherLoadAsync(Action<string> progress, CancellationToken ct)
    {
        var before = Read();
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var otherLoad = OthersBetween(before, Read());
        if (otherLoad > 0.2)
        {
            progress($"Warning: other programs kept the machine {otherLoad:P0} busy before the benchmark started; they distort the results.");
        }

        return otherLoad;
    }
}
