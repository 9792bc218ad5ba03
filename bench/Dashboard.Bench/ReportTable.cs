using System.Globalization;

namespace Dashboard.Bench;

/// <summary>How every benchmark prints its results: Markdown tables that paste into bench/README.md, numbers in the invariant culture.</summary>
internal static class ReportTable
{
    /// <summary>Cells that start with a digit are right-aligned, so figures line up; the first column never is.</summary>
    public static void WriteTable(string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string Line(string[] cells) => "| " + string.Join(" | ", cells.Select((c, i) => i == 0 || !char.IsDigit(c.FirstOrDefault())
            ? c.PadRight(widths[i])
            : c.PadLeft(widths[i]))) + " |";

        Console.WriteLine(Line(header));
        Console.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        rows.ForEach(r => Console.WriteLine(Line(r)));
    }

    public static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
