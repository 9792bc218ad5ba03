using Dashboard.Core.Dags;

namespace Dashboard.Tests.Dags;

/// <summary>
/// A DAG file's <c>params</c>: a mapping is a spec (a default plus JSON Schema keywords), anything else
/// a plain default as before; a schema that cannot work is an import error on the line that says it.
/// </summary>
public sealed class ParamsParsingTests
{
    /// <summary>A file whose params block starts on line 4 (its first param's name).</summary>
    private static DagParseResult Parse(string paramsBlock) =>
        DagFileParser.Parse($"dag_id: x\nschedule: null\nparams:\n{paramsBlock}tasks:\n  - {{id: a, command: x}}\n");

    [Fact]
    public void Specs_and_plain_defaults_become_one_json_schema_in_file_order()
    {
        var result = Parse("""
              region:
                type: string
                enum: [emea, apac]
                default: emea
                title: Region
                description: Whose sales
              limit: {type: integer, minimum: 1, maximum: 10000, default: 500}
              as_of: {type: string, format: date, required: true}
              at: {type: string, format: date-time, pattern: "Z$", minLength: 20, maxLength: 25}
              ratio: {default: 0.5, minimum: 0, maximum: 1}
              db: {default: {host: localhost, port: 5432}}
              city: nyc
              sample: 100
              dry_run: false
              tables: [orders, customers]
              anything: null

            """);

        Assert.Empty(result.Errors);
        var dagParams = result.Dag!.Params;
        Assert.Equal(
            """
            {"type":"object","properties":{
            "region":{"type":"string","enum":["emea","apac"],"title":"Region","description":"Whose sales","default":"emea"},
            "limit":{"type":"integer","minimum":1,"maximum":10000,"default":500},
            "as_of":{"type":"string","format":"date"},
            "at":{"type":"string","minLength":20,"maxLength":25,"pattern":"Z$","format":"date-time"},
            "ratio":{"type":"number","minimum":0,"maximum":1,"default":0.5},
            "db":{"type":"object","default":{"host":"localhost","port":5432}},
            "city":{"type":"string","default":"nyc"},
            "sample":{"type":"number","default":100},
            "dry_run":{"type":"boolean","default":false},
            "tables":{"type":"array","default":["orders","customers"]},
            "anything":{"default":null}},
            "required":["as_of"]}
            """.Replace("\n", "", StringComparison.Ordinal),
            dagParams.ToJson());
        Assert.Equal(dagParams.ToJson(), DagParams.FromJson(dagParams.ToJson()).ToJson());
        Assert.Equal(
            """{"region":"emea","limit":500,"ratio":0.5,"db":{"host":"localhost","port":5432},"city":"nyc","sample":100,"dry_run":false,"tables":["orders","customers"],"anything":null}""",
            dagParams.Defaults().ToJsonString());
        Assert.Equal(("Region", "Whose sales", false), (dagParams["region"]!.Label, dagParams["region"]!.Description, dagParams["region"]!.Required));
        Assert.Equal(("as_of", true, false), (dagParams["as_of"]!.Label, dagParams["as_of"]!.Required, dagParams["as_of"]!.HasDefault));
    }

    [Fact]
    public void A_file_without_params_has_none()
    {
        var result = DagFileParser.Parse("dag_id: x\nschedule: null\ntasks:\n  - {id: a, command: x}\n");

        Assert.Equal("""{"type":"object","properties":{}}""", result.Dag!.Params.ToJson());
    }

    [Theory]
    [InlineData("  rows:\n    type: int\n", 5,
        "unknown type 'int' for param 'rows'; expected one of: string, integer, number, boolean, array, object")]
    [InlineData("  rows:\n    type: integer\n    minimum: 10\n    maximum: 5\n", 7, "param 'rows' has minimum 10 above its maximum 5")]
    [InlineData("  code:\n    type: string\n    minLength: 5\n    maxLength: 2\n", 7, "param 'code' has minLength 5 above its maxLength 2")]
    [InlineData("  rows:\n    type: integer\n    maximum: 1000\n    default: 5000\n", 7,
        "the default of param 'rows' does not fit its own schema: must be at most 1000")]
    [InlineData("  region:\n    enum: [emea, apac]\n    default: mars\n", 6,
        "the default of param 'region' does not fit its own schema: must be one of 'emea', 'apac', got 'mars'")]
    [InlineData("  name:\n    type: string\n    default: null\n", 6, "the default of param 'name' does not fit its own schema: must be a string, got null")]
    [InlineData("  as_of:\n    type: string\n    format: date\n    default: 2024-02-30\n", 7,
        "the default of param 'as_of' does not fit its own schema: must be a date such as 2024-01-31, got '2024-02-30'")]
    [InlineData("  code:\n    type: string\n    pattern: \"([a-z\"\n", 6, "'pattern' in param 'code' is not a valid regular expression: Invalid pattern '([a-z'")]
    [InlineData("  db:\n    host: localhost\n", 5,
        "unknown key 'host' in param 'db' (a mapping is a param's spec: an object default goes under 'default:'); expected one of: default, type, enum")]
    [InlineData("  contact:\n    type: string\n    format: email\n", 6, "unknown format 'email' for param 'contact'; expected date or date-time")]
    [InlineData("  name:\n    type: string\n    minimum: 3\n", 6, "'minimum' in param 'name' needs 'type: integer' or 'type: number', not string")]
    [InlineData("  rows:\n    maximum: 3\n", 5, "'maximum' in param 'rows' needs 'type: integer' or 'type: number'")]
    [InlineData("  rows:\n    type: integer\n    pattern: \"^[0-9]+$\"\n", 6, "'pattern' in param 'rows' needs 'type: string', not integer")]
    [InlineData("  day:\n    type: integer\n    format: date\n", 6, "'format' in param 'day' needs 'type: string', not integer")]
    [InlineData("  rows:\n    type: integer\n    enum:\n      - 1\n      - two\n", 8,
        "the enum value 'two' of param 'rows' does not fit its own schema: must be a whole number, got a string")]
    [InlineData("  region:\n    enum: emea\n", 5, "'enum' in param 'region' must be a list of the values it may take")]
    [InlineData("  rows:\n    type: integer\n    minimum: lots\n", 6, "'minimum' in param 'rows' must be a number, got 'lots'")]
    [InlineData("  code:\n    type: string\n    maxLength: -1\n", 6, "'maxLength' in param 'code' must be at least 0, got -1")]
    [InlineData("  as_of:\n    type: string\n    required: sometimes\n", 6, "'required' in param 'as_of' must be true or false, got 'sometimes'")]
    [InlineData("  rows: 1\n  rows: 2\n", 5, "not valid YAML: Duplicate key rows")]
    public void A_schema_that_cannot_work_is_an_import_error_on_its_line(string paramsBlock, int line, string message)
    {
        var result = Parse(paramsBlock);

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors);
        Assert.Equal(line, error.Line);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_broken_param_of_a_file_is_reported_at_once()
    {
        var result = Parse("  rows:\n    type: integer\n    minimum: 10\n    maximum: 5\n  region:\n    type: text\n  city: nyc\n");

        Assert.Equal(
            ["line 7: param 'rows' has minimum 10 above its maximum 5",
                "line 9: unknown type 'text' for param 'region'; expected one of: string, integer, number, boolean, array, object"],
            result.Errors.Select(e => e.ToString()));
    }
}
