using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Dashboard.Core.Dags;

/// <summary>
/// Reads a DAG file's <c>params</c>. A param whose value is a mapping is a spec (a default plus JSON
/// Schema keywords); any other value is a plain default whose type is inferred, as before specs
/// existed. A schema that cannot work (unknown type, minimum above maximum, a default or an enum
/// value its own schema refuses, a bad pattern) is an error on the line that says it.
/// </summary>
internal static class ParamsReader
{
    private static readonly string[] SpecKeys =
        ["default", "type", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "format", "title", "description", "required"];

    private static readonly ParamType[] Numeric = [ParamType.Integer, ParamType.Number];

    public static DagParams Read(YamlMappingNode root, YamlFields fields)
    {
        if (fields.Mapping(root, "params", "the DAG") is not { } node)
        {
            return DagParams.None;
        }

        var specs = new List<ParamSpec>();
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, value) in node.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? key.ToString();
            // YAML refuses a repeated key, but a key that is no text (a list) can read as the same name as another.
            if (!lines.TryAdd(name, YamlFields.LineOf(key)))
            {
                fields.Error(key, $"param '{name}' is defined twice (first on line {lines[name]})");
                continue;
            }

            specs.Add(value is YamlMappingNode spec ? ReadSpec(name, spec, fields) : PlainDefault(name, value));
        }

        var dagParams = new DagParams(specs);
        var limit = fields.Limits.MaxParamsBytes;
        if (Encoding.UTF8.GetByteCount(dagParams.ToJson()) is var size && size > limit)
        {
            fields.Error(node, $"'params' is {size:N0} bytes as JSON, more than {limit:N0} (the limit is the setting Dags:{nameof(DagFileLimits.MaxParamsBytes)})");
        }

        return dagParams;
    }

    /// <summary>A value that is not a mapping: the default, typed as it is.</summary>
    private static ParamSpec PlainDefault(string name, YamlNode value)
    {
        var json = YamlFields.ToJson(value);
        return new ParamSpec { Name = name, Type = TypeOf(json), HasDefault = true, Default = json };
    }

    private static ParamSpec ReadSpec(string name, YamlMappingNode node, YamlFields fields)
    {
        var where = $"param '{name}'";
        var errorsBefore = fields.ErrorCount;
        fields.RejectUnknownKeys(node, SpecKeys, $"{where} (a mapping is a param's spec: an object default goes under 'default:')");

        var defaultNode = YamlFields.Find(node, "default");
        var @default = defaultNode is null ? null : YamlFields.ToJson(defaultNode);
        var spec = new ParamSpec
        {
            Name = name,
            // Without a type the default's own is the param's, as for a plain default.
            Type = YamlFields.Find(node, "type") is null ? TypeOf(@default) : ReadType(node, where, fields),
            HasDefault = defaultNode is not null,
            Default = @default,
            Enum = ReadEnum(node, where, fields),
            Minimum = ReadNumber(node, "minimum", where, fields),
            Maximum = ReadNumber(node, "maximum", where, fields),
            MinLength = fields.Int(node, "minLength", where, min: 0),
            MaxLength = fields.Int(node, "maxLength", where, min: 0),
            Pattern = ReadPattern(node, where, fields),
            Format = ReadFormat(node, where, fields),
            Title = fields.String(node, "title", where),
            Description = fields.String(node, "description", where),
            Required = fields.Bool(node, "required", where) ?? false,
        };

        if (fields.ErrorCount == errorsBefore)
        {
            CheckKeywordsFitType(spec, node, where, fields);
            CheckRanges(spec, node, where, fields);
        }

        // Its values are checked against the rest of its schema only once that schema is sound.
        if (fields.ErrorCount == errorsBefore)
        {
            CheckValues(spec, node, defaultNode, where, fields);
        }

        return spec;
    }

    private static ParamType? TypeOf(JsonNode? value) => value?.GetValueKind() switch
    {
        JsonValueKind.String => ParamType.String,
        JsonValueKind.Number => ParamType.Number,
        JsonValueKind.True or JsonValueKind.False => ParamType.Boolean,
        JsonValueKind.Array => ParamType.Array,
        JsonValueKind.Object => ParamType.Object,
        _ => null,
    };

    private static ParamType? ReadType(YamlMappingNode node, string where, YamlFields fields)
    {
        if (fields.String(node, "type", where) is not { } name)
        {
            return null;
        }

        if (Enum.GetValues<ParamType>().Where(t => ParamSpec.TypeName(t) == name).Cast<ParamType?>().FirstOrDefault() is { } type)
        {
            return type;
        }

        fields.Error(YamlFields.Find(node, "type")!,
            $"unknown type '{name}' for {where}; expected one of: {string.Join(", ", Enum.GetValues<ParamType>().Select(ParamSpec.TypeName))}");
        return null;
    }

    private static List<JsonNode?>? ReadEnum(YamlMappingNode node, string where, YamlFields fields)
    {
        if (YamlFields.Find(node, "enum") is not { } values || YamlFields.IsNull(values))
        {
            return null;
        }

        if (values is YamlSequenceNode { Children.Count: > 0 } list)
        {
            return [.. list.Select(YamlFields.ToJson)];
        }

        fields.Error(values, $"'enum' in {where} must be a list of the values it may take");
        return null;
    }

    private static decimal? ReadNumber(YamlMappingNode node, string key, string where, YamlFields fields)
    {
        if (YamlFields.Find(node, key) is not { } value || YamlFields.IsNull(value))
        {
            return null;
        }

        if (value is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text }
            && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        fields.Error(value, $"'{key}' in {where} must be a number, got {(value is YamlScalarNode scalar ? $"'{scalar.Value}'" : $"a {YamlFields.Describe(value)}")}");
        return null;
    }

    /// <summary>The pattern as the validator will compile it: JsonSchema.Net judges it, so the file and the validator agree.</summary>
    private static string? ReadPattern(YamlMappingNode node, string where, YamlFields fields)
    {
        if (fields.String(node, "pattern", where) is not { } pattern)
        {
            return null;
        }

        try
        {
            JsonSchema.FromText(new JsonObject { ["pattern"] = pattern }.ToJsonString(), DagParams.Builder());
            return pattern;
        }
        catch (Exception e) when (e is ArgumentException or JsonSchemaException)
        {
            fields.Error(YamlFields.Find(node, "pattern")!, $"'pattern' in {where} is not a valid regular expression: {e.Message}");
            return null;
        }
    }

    private static ParamFormat? ReadFormat(YamlMappingNode node, string where, YamlFields fields)
    {
        if (fields.String(node, "format", where) is not { } name)
        {
            return null;
        }

        if (Enum.GetValues<ParamFormat>().Where(f => ParamSpec.FormatName(f) == name).Cast<ParamFormat?>().FirstOrDefault() is { } format)
        {
            return format;
        }

        fields.Error(YamlFields.Find(node, "format")!, $"unknown format '{name}' for {where}; expected date or date-time");
        return null;
    }

    /// <summary>A keyword for numbers on a string param (or the reverse) would never check anything.</summary>
    private static void CheckKeywordsFitType(ParamSpec spec, YamlMappingNode node, string where, YamlFields fields)
    {
        var type = spec.Type is { } t ? $", not {ParamSpec.TypeName(t)}" : "";
        foreach (var key in new[] { "minimum", "maximum" }.Where(k => YamlFields.Find(node, k) is not null))
        {
            if (spec.Type is not { } numeric || !Numeric.Contains(numeric))
            {
                fields.Error(YamlFields.Find(node, key)!, $"'{key}' in {where} needs 'type: integer' or 'type: number'{type}");
            }
        }

        foreach (var key in new[] { "minLength", "maxLength", "pattern", "format" }.Where(k => YamlFields.Find(node, k) is not null))
        {
            if (spec.Type != ParamType.String)
            {
                fields.Error(YamlFields.Find(node, key)!, $"'{key}' in {where} needs 'type: string'{type}");
            }
        }
    }

    private static void CheckRanges(ParamSpec spec, YamlMappingNode node, string where, YamlFields fields)
    {
        if (spec.Minimum > spec.Maximum)
        {
            fields.Error(YamlFields.Find(node, "maximum")!,
                $"{where} has minimum {ParamSpec.Show(spec.Minimum!.Value)} above its maximum {ParamSpec.Show(spec.Maximum!.Value)}");
        }

        if (spec.MinLength > spec.MaxLength)
        {
            fields.Error(YamlFields.Find(node, "maxLength")!, $"{where} has minLength {spec.MinLength} above its maxLength {spec.MaxLength}");
        }
    }

    /// <summary>Each enum value must fit the rest of the schema, and the default all of it: else the param could never take them.</summary>
    private static void CheckValues(ParamSpec spec, YamlMappingNode node, YamlNode? defaultNode, string where, YamlFields fields)
    {
        if (spec.Enum is { } values)
        {
            var bare = spec with { Enum = null, HasDefault = false, Default = null, Required = false };
            foreach (var (value, item) in values.Zip((YamlSequenceNode)YamlFields.Find(node, "enum")!))
            {
                if (Problems(bare, value) is { } problems)
                {
                    fields.Error(item, $"the enum value {ParamSpec.Show(value)} of {where} does not fit its own schema: {problems}");
                }
            }
        }

        if (defaultNode is not null && Problems(spec with { HasDefault = false, Required = false }, spec.Default) is { } wrong)
        {
            fields.Error(defaultNode, $"the default of {where} does not fit its own schema: {wrong}");
        }
    }

    private static string? Problems(ParamSpec spec, JsonNode? value)
    {
        var problems = new DagParams([spec]).Validate(new JsonObject { [spec.Name] = value?.DeepClone() });
        return problems.Count == 0 ? null : string.Join("; ", problems.Select(p => p.Message));
    }
}
