using System.Globalization;

namespace Dashboard.Bench;

/// <summary>The command line after <c>backfill</c>; null when it is not understood.</summary>
internal sealed record BackfillBenchmarkOptions(int Repeats)
{
    public static BackfillBenchmarkOptions? Parse(IReadOnlyList<string> args)
    {
        var options = new BackfillBenchmarkOptions(9);
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--repeats" when i + 1 < args.Count && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var repeats) && repeats > 0:
                    options = options with { Repeats = repeats };
                    i++;
                    break;
                default:
                    return null;
            }
        }

        return options;
    }
}
