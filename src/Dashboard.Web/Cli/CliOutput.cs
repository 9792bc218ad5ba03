using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Core.Persistence;

namespace Dashboard.Web.Cli;

/// <summary>How a listing is printed: aligned columns for a person, or JSON for a script.</summary>
internal enum OutputFormat
{
    Table,
    Json,
}

/// <summary>Airflow's <c>-o/--output</c>, and the JSON the commands print.</summary>
internal static class CliOutput
{
    /// <summary>
    /// Indented, with '+', '&amp;' and non-ASCII letters as themselves: the text goes to a terminal, a
    /// file or <c>jq</c>, never into HTML.
    /// </summary>
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Option<OutputFormat?> CreateOption()
    {
        var option = new Option<OutputFormat?>("--output", "-o")
        {
            Description = "How to print: table (the default) or json.",
            HelpName = "table|json",
            CustomParser = CliParsers.SnakeCaseEnum<OutputFormat>,
        };
        option.CompletionSources.Clear();
        option.CompletionSources.Add(_ => SnakeCase.NamesOf<OutputFormat>());
        return option;
    }

    public static string Json(JsonNode node) => node.ToJsonString(JsonOptions);

    public static Task WriteJsonAsync(TextWriter writer, JsonNode node) => writer.WriteLineAsync(Json(node));

    /// <summary>A value in one table cell: line breaks shown as \n, a long value cut short (the JSON output has it whole).</summary>
    public static string Cell(string? value, int maxLength = 60)
    {
        if (value is null)
        {
            return "";
        }

        var oneLine = value.ReplaceLineEndings("\\n");
        return oneLine.Length > maxLength ? oneLine[..(maxLength - 1)] + "…" : oneLine;
    }
}
