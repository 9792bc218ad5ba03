using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Json.Pointer;
using Json.Schema;

namespace Dashboard.Core.Dags;

/// <summary>
/// A DAG version's params: each a default plus JSON Schema keywords (<see cref="ParamSpec"/>), in file
/// order. Stored as one JSON Schema of the conf object (<see cref="ToJson"/>), which a run's conf is
/// validated against by JsonSchema.Net once the defaults fill its gaps (<see cref="Validate"/>).
/// </summary>
[JsonConverter(typeof(DagParamsJsonConverter))]
public sealed class DagParams
{
    public static readonly DagParams None = new([]);

    /// <summary>
    /// Deeper than a DAG file's own nesting limit (64) allows a default to be, plus the three levels
    /// the schema wraps it in: reading the stored schema back must never fail on its depth.
    /// </summary>
    private static readonly JsonDocumentOptions StoredDepth = new() { MaxDepth = 128 };

    private readonly Lazy<JsonSchema> _schema;

    public DagParams(IReadOnlyList<ParamSpec> specs)
    {
        Specs = specs;
        _schema = new(() => JsonSchema.FromText(ToJson(), Builder(), jsonOptions: StoredDepth));
    }

    public IReadOnlyList<ParamSpec> Specs { get; }

    public ParamSpec? this[string name] => Specs.FirstOrDefault(s => s.Name == name);

    /// <summary>A fresh JsonSchema.Net registry for each schema built: the global one would keep every schema ever built.</summary>
    internal static BuildOptions Builder() => new() { SchemaRegistry = new SchemaRegistry() };

    /// <summary>The JSON Schema of a conf: an object whose properties are the params (others allowed, as in Airflow).</summary>
    public JsonObject ToSchema()
    {
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject(Specs.Select(s => KeyValuePair.Create(s.Name, (JsonNode?)s.ToSchema()))),
        };
        if (Specs.Any(s => s.Required))
        {
            schema["required"] = new JsonArray([.. Specs.Where(s => s.Required).Select(s => (JsonNode)s.Name)]);
        }

        return schema;
    }

    public string ToJson() => ToSchema().ToJsonString();

    /// <summary>Reads what <see cref="ToJson"/> stored.</summary>
    public static DagParams FromJson(string json)
    {
        var schema = JsonNode.Parse(json, documentOptions: StoredDepth)!.AsObject();
        var required = (schema["required"] as JsonArray ?? []).Select(n => n!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        return new DagParams([
            .. (schema["properties"] as JsonObject ?? []).Select(p => ParamSpec.FromSchema(p.Key, p.Value!.AsObject(), required.Contains(p.Key))),
        ]);
    }

    /// <summary>Each param that has a default, with it: what a run's conf starts from.</summary>
    public JsonObject Defaults() =>
        new(Specs.Where(s => s.HasDefault).Select(s => KeyValuePair.Create(s.Name, s.Default?.DeepClone())));

    /// <summary>The conf with every param it leaves out taking its default: the values a run's tasks see.</summary>
    public JsonObject WithDefaults(JsonObject conf)
    {
        var resolved = Defaults();
        foreach (var (name, value) in conf)
        {
            resolved[name] = value?.DeepClone();
        }

        return resolved;
    }

    /// <summary>Every way the conf, with the defaults filling its gaps, breaks the params' schema; empty when it fits.</summary>
    public IReadOnlyList<ParamProblem> Validate(JsonObject conf)
    {
        var resolved = WithDefaults(conf);
        using var instance = JsonDocument.Parse(resolved.ToJsonString(), StoredDepth);
        var results = _schema.Value.Evaluate(instance.RootElement, new EvaluationOptions
        {
            OutputFormat = OutputFormat.List,
            RequireFormatValidation = true,
        });
        if (results.IsValid)
        {
            return [];
        }

        var problems = new List<ParamProblem>();
        foreach (var result in results.Details ?? [])
        {
            foreach (var (keyword, message) in result.Errors ?? new Dictionary<string, string>())
            {
                if (keyword == "required")
                {
                    problems.AddRange(Specs.Where(s => s.Required && !resolved.ContainsKey(s.Name))
                        .Select(s => new ParamProblem(s.Name, "is required and has no default: give it a value")));
                }
                else if (SpecAt(result.InstanceLocation) is { } spec)
                {
                    problems.Add(new ParamProblem(spec.Name, ParamMessages.For(spec, keyword, resolved[spec.Name]) ?? message));
                }
            }
        }

        return [.. problems.OrderBy(p => Specs.TakeWhile(s => s.Name != p.Param).Count())];
    }

    /// <summary>The param a result is about: the first segment of its instance location.</summary>
    private ParamSpec? SpecAt(JsonPointer location)
    {
        if (location.SegmentCount == 0)
        {
            return null;
        }

        foreach (var spec in Specs)
        {
            if (location[0].Equals(spec.Name))
            {
                return spec;
            }
        }

        return null;
    }

    /// <summary>Written as its schema, so a DAG definition's hash changes with any change to a param.</summary>
    private sealed class DagParamsJsonConverter : JsonConverter<DagParams>
    {
        public override DagParams Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return FromJson(document.RootElement.GetRawText());
        }

        public override void Write(Utf8JsonWriter writer, DagParams value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.ToJson(), skipInputValidation: true);
    }
}

/// <summary>One way a conf breaks a DAG's params, about one param.</summary>
public sealed record ParamProblem(string Param, string Message)
{
    public override string ToString() => $"param '{Param}': {Message}";
}
