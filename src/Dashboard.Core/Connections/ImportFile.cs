using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Core.Operations;

namespace Dashboard.Core.Connections;

/// <summary>An import file of connections or variables: one JSON object keyed by id, within size limits.</summary>
internal static class ImportFile
{
    /// <exception cref="OperationRefusedException">Too large, not a JSON object, too many entries or an invalid id; nothing is imported.</exception>
    public static IReadOnlyList<KeyValuePair<string, JsonNode?>> Entries(string json, string what)
    {
        if (Encoding.UTF8.GetByteCount(json) > ConnectionRules.MaxImportBytes)
        {
            throw new OperationRefusedException($"The file is larger than {ConnectionRules.MaxImportBytes / (1024 * 1024)} MB; split it.");
        }

        JsonObject file;
        try
        {
            file = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) as JsonObject
                   ?? throw new OperationRefusedException($"The file must hold one JSON object, each {what} under its id: {{\"my_id\": {{...}}}}.");
        }
        catch (JsonException e)
        {
            throw new OperationRefusedException($"The file is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}); nothing was imported.");
        }

        if (file.Count > ConnectionRules.MaxImportEntries)
        {
            throw new OperationRefusedException($"The file holds {file.Count} entries; at most {ConnectionRules.MaxImportEntries} can be imported at once.");
        }

        if (file.Count == 0)
        {
            throw new OperationRefusedException($"The file holds no {what}; nothing was imported.");
        }

        foreach (var (id, _) in file)
        {
            ConnectionRules.DemandId(id, what == "connection" ? "connection id" : "variable key");
        }

        return file.ToList();
    }

    /// <summary>Applies every entry in the caller's transaction; counts those created and those changed.</summary>
    public static async Task<ImportResult> ApplyAllAsync<TEdit>(IEnumerable<TEdit> edits, Func<TEdit, Task<(bool Created, List<string> Changed)>> apply)
    {
        var created = 0;
        var updated = 0;
        foreach (var edit in edits)
        {
            var (isNew, changed) = await apply(edit);
            created += isNew ? 1 : 0;
            updated += !isNew && changed.Count > 0 ? 1 : 0;
        }

        return new ImportResult(created, updated);
    }
}
