namespace Dashboard.Web.Cli;

/// <summary>Rows printed in aligned columns under a header, for a person to read and for <c>grep</c> and <c>awk</c>.</summary>
internal sealed class TextTable(params string[] headers)
{
    private const string Gap = "  ";

    private readonly List<string[]> _rows = [];

    public int Count => _rows.Count;

    public void Add(params string?[] cells) => _rows.Add([.. cells.Select(c => c ?? "")]);

    public void WriteTo(TextWriter writer)
    {
        var widths = headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        WriteLine(writer, headers, widths);
        WriteLine(writer, [.. widths.Select(w => new string('-', w))], widths);
        foreach (var row in _rows)
        {
            WriteLine(writer, row, widths);
        }
    }

    private static void WriteLine(TextWriter writer, string[] cells, int[] widths) =>
        writer.WriteLine(string.Join(Gap, cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
}
