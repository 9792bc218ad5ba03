using System.Globalization;

namespace Dashboard.Bench;

/// <summary>The command line after <c>grid</c>; null when it is not understood.</summary>
internal sealed record GridBenchmarkOptions(int Repeats, int Pages, int Changes)
{
    public static GridBenchmarkOptions? Parse(IReadOnlyList<string> args)
    {
        var options = new GridBenchmarkOptions(9, 10, 41);
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--repeats" when i + 1 < args.Count && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var repeats) && repeats > 0:
                    options = options with { Repeats = repeats };
                    i++;
                    break;
                case "--pages" when i + 1 < args.Count && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var pages) && pages > 0:
                    options = options with { Pages = pages };
                    i++;
                    break;
                case "--changes" when i + 1 < args.Count && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var changes) && changes > 0:
                    options = options with { Changes = changes };
                    i++;
                    break;
                default:
                    return null;
            }
        }

        return options;
    }
}
