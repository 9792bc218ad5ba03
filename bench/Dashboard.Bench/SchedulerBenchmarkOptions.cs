using System.Globalization;

namespace Dashboard.Bench;

/// <summary>The command line after <c>scheduler</c>; null when it is not understood.</summary>
internal sealed record SchedulerBenchmarkOptions(int Repeats, bool Profile)
{
    public static SchedulerBenchmarkOptions? Parse(IReadOnlyList<string> args)
    {
        var options = new SchedulerBenchmarkOptions(5, false);
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--repeats" when i + 1 < args.Count && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var repeats) && repeats > 0:
                    options = options with { Repeats = repeats };
                    i++;
                    break;
                case "--profile":
                    options = options with { Profile = true };
                    break;
                default:
                    return null;
            }
        }

        return options;
    }
}
