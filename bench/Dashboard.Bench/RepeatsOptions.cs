using System.Globalization;

namespace Dashboard.Bench;

/// <summary>The command line of a benchmark whose only option is <c>--repeats N</c>; null when it is not understood.</summary>
internal sealed record RepeatsOptions(int Repeats)
{
    public static RepeatsOptions? Parse(IReadOnlyList<string> args, int defaultRepeats)
    {
        var options = new RepeatsOptions(defaultRepeats);
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
