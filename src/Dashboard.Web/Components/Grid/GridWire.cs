using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dashboard.Core.Domain;
using Dashboard.Core.Queries.Grid;
using Dashboard.Web.Components.Shared;

namespace Dashboard.Web.Components.Grid;

/// <summary>
/// The grid as it travels to the browser, where wwwroot/js/grid.js draws it: a <see cref="Model"/>
/// (the run and row tables once, then a letter per cell, a run of equal cells as one letter and its
/// count) when the browser needs all of it, and after that only patches of the cells that changed.
/// </summary>
public static class GridWire
{
    /// <summary>One character per <see cref="GridCell.Value"/> (state code and note flag): letters only, so no HTML, JSON or attribute escaping touches it.</summary>
    public const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>The name of each cell code, as <c>data-state</c> and the CSS classes use it: "missing", "none", then the states.</summary>
    public static readonly IReadOnlyList<string> StateNames =
        ["missing", "none", .. Enum.GetValues<TaskInstanceState>().Select(s => States.Name(s))];

    private static readonly JsonSerializerOptions EmbeddedJson = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.Default };

    /// <summary>
    /// Everything the browser draws from. A row is <c>[shared, rest, depth]</c> for a task and
    /// <c>[shared, rest, depth, tasks, expanded]</c> for a group (expanded 1 or 0): its id is the
    /// first <c>shared</c> characters of the row before's id followed by <c>rest</c>, since task ids
    /// in a row mostly share their start. <see cref="Cells"/> holds rows × runs cells, row by row, a
    /// letter each, a letter followed by a number standing for that many of it (<see cref="Codes"/>).
    /// </summary>
    /// <param name="Id">A hash of the content: a browser holding a model with this id holds this content.</param>
    public sealed record Model(string Id, IReadOnlyList<string> States, IReadOnlyList<string> Runs, IReadOnlyList<object[]> Rows, string Cells);

    public static Model Encode(GridSnapshot snapshot, IReadOnlyList<GridRow> rows, GridCell[] drawn) =>
        new(Hash(snapshot, rows, drawn), StateNames, snapshot.Runs.Select(r => r.RunId).ToList(), Rows(rows), Characters(drawn));

    /// <summary>The model as JSON that is safe inside a <c>&lt;script&gt;</c> element of the prerendered page.</summary>
    public static string EmbeddedJsonOf(Model model) => JsonSerializer.Serialize(model, EmbeddedJson);

    private static List<object[]> Rows(IReadOnlyList<GridRow> rows)
    {
        var table = new List<object[]>(rows.Count);
        var before = "";
        foreach (var row in rows)
        {
            var shared = row.Id.AsSpan().CommonPrefixLength(before);
            var rest = row.Id[shared..];
            table.Add(row.IsGroup ? [shared, rest, row.Depth, row.GroupTasks.Count, row.Expanded ? 1 : 0] : [shared, rest, row.Depth]);
            before = row.Id;
        }

        return table;
    }

    /// <summary>The row ids of a model's row table, as the browser reads them.</summary>
    public static IEnumerable<string> RowIds(Model model)
    {
        var before = "";
        foreach (var row in model.Rows)
        {
            before = before[..(int)row[0]] + (string)row[1];
            yield return before;
        }
    }

    /// <summary>
    /// The cells, row by row, each as its letter, and a letter followed by a number as that many of
    /// it: a task's row is mostly one state across most runs, so a run of them is a few characters.
    /// </summary>
    private static string Characters(GridCell[] drawn)
    {
        var text = new StringBuilder(drawn.Length / 4 + 16);
        for (var start = 0; start < drawn.Length;)
        {
            var end = start + 1;
            while (end < drawn.Length && drawn[end] == drawn[start])
            {
                end++;
            }

            var letter = Alphabet[drawn[start].Value];
            var count = end - start;
            // A pair is as short as a letter and a count, and reads more simply.
            _ = count switch
            {
                1 => text.Append(letter),
                2 => text.Append(letter).Append(letter),
                _ => text.Append(letter).Append(count),
            };
            start = end;
        }

        return text.ToString();
    }

    /// <summary>The cell codes of a model's cells, as the browser reads them.</summary>
    public static IEnumerable<int> Codes(Model model)
    {
        var cells = model.Cells;
        for (var i = 0; i < cells.Length;)
        {
            var code = Alphabet.IndexOf(cells[i++]);
            var count = 0;
            while (i < cells.Length && char.IsAsciiDigit(cells[i]))
            {
                count = count * 10 + (cells[i++] - '0');
            }

            for (var n = Math.Max(count, 1); n > 0; n--)
            {
                yield return code;
            }
        }
    }

    /// <summary>FNV-1a over the runs, the rows and the cells: the model's id, without building the model.</summary>
    public static string Hash(GridSnapshot snapshot, IReadOnlyList<GridRow> rows, GridCell[] drawn)
    {
        var hash = 14695981039346656037UL;
        void Add(int value)
        {
            hash = (hash ^ (uint)value) * 1099511628211UL;
        }

        void AddText(string text)
        {
            foreach (var c in text)
            {
                Add(c);
            }

            Add(-1);
        }

        foreach (var run in snapshot.Runs)
        {
            AddText(run.RunId);
        }

        Add(-2);
        foreach (var row in rows)
        {
            AddText(row.Id);
            Add(row.Depth);
            Add(row.IsGroup ? row.GroupTasks.Count : -1);
            Add(row.Expanded ? 1 : 0);
        }

        Add(-3);
        foreach (var cell in drawn)
        {
            Add(cell.Value);
        }

        return hash.ToString("x16");
    }

    /// <summary>
    /// The cells that differ between two drawings of the same rows and runs, as
    /// <c>column,row,codes</c> segments joined by <c>;</c>: a run of changed cells down one column is
    /// one segment, and two changes a cell or two apart share one. Null when nothing changed.
    /// </summary>
    public static string? Patch(GridCell[] before, GridCell[] after, int runs)
    {
        if (before.AsSpan().SequenceEqual(after))
        {
            return null;
        }

        const int MaxGap = 2;
        var rows = runs == 0 ? 0 : after.Length / runs;
        var patch = new StringBuilder();
        for (var column = 0; column < runs; column++)
        {
            var row = 0;
            while (row < rows)
            {
                if (before[row * runs + column] == after[row * runs + column])
                {
                    row++;
                    continue;
                }

                // Extend the segment while changes keep coming within MaxGap rows.
                var end = row;
                for (var next = row + 1; next < rows && next <= end + MaxGap + 1; next++)
                {
                    if (before[next * runs + column] != after[next * runs + column])
                    {
                        end = next;
                    }
                }

                patch.Append(patch.Length == 0 ? "" : ";").Append(column).Append(',').Append(row).Append(',');
                for (var r = row; r <= end; r++)
                {
                    patch.Append(Alphabet[after[r * runs + column].Value]);
                }

                row = end + 1;
            }
        }

        return patch.ToString();
    }
}
