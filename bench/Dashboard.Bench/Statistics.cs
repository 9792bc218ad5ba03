namespace Dashboard.Bench;

/// <summary>How the benchmarks summarise their repeats.</summary>
internal static class Statistics
{
    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The nearest-rank percentile: the smallest value at least <paramref name="percent"/> % of the values are not above.</summary>
    public static double Percentile(List<double> values, double percent)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    /// <summary>The median of the ratios of measurements taken back to back: robust to the machine's load drifting between repeats.</summary>
    public static double PairedRatio(List<double> measured, List<double> baseline) =>
        Median(measured.Zip(baseline, (m, b) => m / b).ToList());
}
