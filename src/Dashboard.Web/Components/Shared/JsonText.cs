using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dashboard.Web.Components.Shared;

public static class JsonText
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>JSON as a person edits it in a form: indented.</summary>
    public static string Pretty(string json) => JsonNode.Parse(json)?.ToJsonString(Indented) ?? "{}";
}
