using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dashboard.Core.Dags;

/// <summary>The JSON Schema types a param may declare.</summary>
public enum ParamType
{
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
}

/// <summary>The string formats a param may declare, each validated and shown as a date field by the trigger form.</summary>
public enum ParamFormat
{
    Date,
    DateTime,
}

/// <summary>
/// One of a DAG's params, as Airflow's <c>Param</c>: a default plus JSON Schema keywords. It is
/// stored as the param's subschema (<see cref="ToSchema"/>), and the trigger form draws a field from it.
/// </summary>
public sealed record ParamSpec
{
    /// <summary>The keywords of <see cref="ToSchema"/> besides <c>default</c>, in the order it writes them.</summary>
    private static readonly string[] Keywords =
        ["type", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "format", "title", "description"];

    public required string Name { get; init; }

    /// <summary>Null accepts any JSON value.</summary>
    public ParamType? Type { get; init; }

    /// <summary>Whether <see cref="Default"/> holds a default; a null default is still a default.</summary>
    public bool HasDefault { get; init; }

    public JsonNode? Default { get; init; }

    public IReadOnlyList<JsonNode?>? Enum { get; init; }

    public decimal? Minimum { get; init; }

    public decimal? Maximum { get; init; }

    public int? MinLength { get; init; }

    public int? MaxLength { get; init; }

    public string? Pattern { get; init; }

    public ParamFormat? Format { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    /// <summary>A run must have a value for it; only matters without a default, which fills any gap.</summary>
    public bool Required { get; init; }

    /// <summary>What a form labels the param's field with.</summary>
    public string Label => Title ?? Name;

    /// <summary>JSON Schema's spelling of a type.</summary>
    public static string TypeName(ParamType type) => type.ToString().ToLowerInvariant();

    /// <summary>JSON Schema's spelling of a format.</summary>
    public static string FormatName(ParamFormat format) => format == ParamFormat.Date ? "date" : "date-time";

    /// <summary>The param's subschema; <see cref="Required"/> belongs to the object around it.</summary>
    public JsonObject ToSchema()
    {
        var schema = new JsonObject();
        JsonNode?[] values =
        [
            Type is { } type ? TypeName(type) : null, Enum is null ? null : new JsonArray([.. Enum.Select(v => v?.DeepClone())]),
            Minimum, Maximum, MinLength, MaxLength, Pattern, Format is { } format ? FormatName(format) : null, Title, Description,
        ];
        foreach (var (keyword, value) in Keywords.Zip(values).Where(k => k.Second is not null))
        {
            schema[keyword] = value;
        }

        if (HasDefault)
        {
            schema["default"] = Default?.DeepClone();
        }

        return schema;
    }

    /// <summary>Reads back what <see cref="ToSchema"/> wrote.</summary>
    public static ParamSpec FromSchema(string name, JsonObject schema, bool required) => new()
    {
        Name = name,
        Type = Text(schema, "type") is { } type ? System.Enum.GetValues<ParamType>().Single(t => TypeName(t) == type) : null,
        HasDefault = schema.ContainsKey("default"),
        Default = schema["default"]?.DeepClone(),
        Enum = schema["enum"] is JsonArray values ? [.. values.Select(v => v?.DeepClone())] : null,
        Minimum = schema["minimum"]?.GetValue<decimal>(),
        Maximum = schema["maximum"]?.GetValue<decimal>(),
        MinLength = schema["minLength"]?.GetValue<int>(),
        MaxLength = schema["maxLength"]?.GetValue<int>(),
        Pattern = Text(schema, "pattern"),
        Format = Text(schema, "format") is { } format ? System.Enum.GetValues<ParamFormat>().Single(f => FormatName(f) == format) : null,
        Title = Text(schema, "title"),
        Description = Text(schema, "description"),
        Required = required,
    };

    /// <summary>A value as a message quotes it: text in quotes, anything else as JSON.</summary>
    public static string Show(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue text when text.GetValueKind() == JsonValueKind.String => $"'{text.GetValue<string>()}'",
        _ => value.ToJsonString(),
    };

    /// <summary>A limit as a message shows it: 1000, 0.5.</summary>
    public static string Show(decimal limit) => limit.ToString("0.############################", CultureInfo.InvariantCulture);

    private static string? Text(JsonObject schema, string keyword) => schema[keyword]?.GetValue<string>();
}
