using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dashboard.Core.Dags;

/// <summary>
/// What a person reads when a value breaks a param's schema: JsonSchema.Net decides which keyword
/// failed, and this says it in the words of the param's own limits ("must be at most 1000").
/// </summary>
internal static class ParamMessages
{
    /// <summary>Text longer than this is not quoted back: it may be anything someone pasted.</summary>
    private const int MaxQuotedLength = 60;

    /// <returns>Null for a keyword a param cannot declare.</returns>
    public static string? For(ParamSpec spec, string keyword, JsonNode? value) => keyword switch
    {
        "type" when spec.Type is { } type => $"must be {Expected(type)}, got {Got(value, type)}",
        "enum" => $"must be one of {string.Join(", ", spec.Enum!.Select(ParamSpec.Show))}, got {Quote(value)}",
        "minimum" => $"must be at least {ParamSpec.Show(spec.Minimum!.Value)}",
        "maximum" => $"must be at most {ParamSpec.Show(spec.Maximum!.Value)}",
        "minLength" => $"must be at least {spec.MinLength} characters long",
        "maxLength" => $"must be at most {spec.MaxLength} characters long",
        "pattern" => $"must match the pattern {spec.Pattern}, got {Quote(value)}",
        "format" => spec.Format == ParamFormat.Date
            ? $"must be a date such as 2024-01-31, got {Quote(value)}"
            : $"must be a date and time with its offset, such as 2024-01-31T06:00:00Z, got {Quote(value)}",
        _ => null,
    };

    private static string Expected(ParamType type) => type switch
    {
        ParamType.String => "a string",
        ParamType.Integer => "a whole number",
        ParamType.Number => "a number",
        ParamType.Boolean => "true or false",
        ParamType.Array => "a list",
        _ => "an object",
    };

    /// <summary>The kind of value it got; a number where a whole one was wanted is shown, since its kind is no news.</summary>
    private static string Got(JsonNode? value, ParamType expected) => value?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => expected == ParamType.Integer ? value.ToJsonString() : "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "a list",
        _ => "an object",
    };

    private static string Quote(JsonNode? value)
    {
        var shown = ParamSpec.Show(value);
        return shown.Length <= MaxQuotedLength ? shown : shown[..MaxQuotedLength] + "…";
    }
}
