using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Core.Dags;

namespace Dashboard.Web.Components.Dialogs;

/// <summary>The input a param gets in the trigger form.</summary>
public enum ParamFieldKind
{
    Text,
    Number,
    Select,
    Switch,
    Date,
    /// <summary>Lists, objects and params of any type: their JSON, as text.</summary>
    Json,
}

/// <summary>
/// How a param's value shows in its field and goes back into the conf. A field never judges a value:
/// what it cannot show as such (text in a number field, say) it leaves to the DAG's validation to name.
/// </summary>
public static class ParamField
{
    public static ParamFieldKind KindOf(ParamSpec spec) => spec switch
    {
        { Enum: not null } => ParamFieldKind.Select,
        { Type: ParamType.Boolean } => ParamFieldKind.Switch,
        { Type: ParamType.Integer or ParamType.Number } => ParamFieldKind.Number,
        { Type: ParamType.String, Format: ParamFormat.Date } => ParamFieldKind.Date,
        { Type: ParamType.String } => ParamFieldKind.Text,
        _ => ParamFieldKind.Json,
    };

    /// <summary>A string as itself; anything else as its JSON, so the validation can say what is wrong with it.</summary>
    public static string Text(JsonNode? value) =>
        value is JsonValue text && text.GetValueKind() == JsonValueKind.String ? text.GetValue<string>() : value?.ToJsonString() ?? "";

    public static decimal? Number(JsonNode? value) =>
        value is JsonValue number && number.GetValueKind() == JsonValueKind.Number ? number.GetValue<decimal>() : null;

    /// <summary>A whole number stays one (5, not 5.0): JSON Schema's integer type refuses 5.0.</summary>
    public static JsonNode FromNumber(decimal number) =>
        number == decimal.Truncate(number) && number is >= long.MinValue and <= long.MaxValue ? (long)number : number;

    public static DateOnly? Date(JsonNode? value) =>
        DateOnly.TryParseExact(Text(value), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    public static JsonNode FromDate(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The JSON of a value; a string that is no JSON itself shows as typed.</summary>
    public static string JsonText(JsonNode? value) =>
        value is JsonValue text && text.GetValueKind() == JsonValueKind.String && !TryParse(text.GetValue<string>(), out _)
            ? text.GetValue<string>()
            : value?.ToJsonString() ?? "null";

    /// <summary>Typed JSON is its value; other text is a string, which the param's type then accepts or names as wrong.</summary>
    public static JsonNode? FromJsonText(string text) => TryParse(text, out var value) ? value : JsonValue.Create(text);

    /// <summary>A select's key for an enum value.</summary>
    public static string Key(JsonNode? value) => value?.ToJsonString() ?? "null";

    /// <summary>What a select shows for a key: the enum value as <see cref="Text"/> writes it.</summary>
    public static string KeyText(string? key) => key is null ? "" : Text(JsonNode.Parse(key));

    private static bool TryParse(string text, out JsonNode? value)
    {
        try
        {
            value = JsonNode.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            value = null;
            return false;
        }
    }
}
