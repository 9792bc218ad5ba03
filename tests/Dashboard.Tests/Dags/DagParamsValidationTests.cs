using System.Text.Json.Nodes;
using Dashboard.Core.Dags;

namespace Dashboard.Tests.Dags;

/// <summary>
/// A conf against a DAG's params: the defaults fill what it leaves out, JsonSchema.Net checks the
/// result, and every problem comes back at once, each naming its param in the param's own terms.
/// </summary>
public sealed class DagParamsValidationTests
{
    private static readonly DagParams Params = DagFileParser.Parse("""
        dag_id: report
        schedule: null
        params:
          region: {type: string, enum: [emea, apac], default: emea}
          limit: {type: integer, minimum: 1, maximum: 10000, default: 500}
          ratio: {type: number, minimum: 0.1, maximum: 0.9, default: 0.5}
          code: {type: string, minLength: 2, maxLength: 5, pattern: "^[a-z]+$", default: ab}
          as_of: {type: string, format: date, required: true}
          at: {type: string, format: date-time, default: "2026-01-31T06:00:00Z"}
          dry_run: {type: boolean, default: false}
          tables: {type: array, default: [orders]}
          city: nyc
          anything: null
        tasks:
          - {id: a, kind: empty}
        """).Dag!.Params;

    private const string AsOf = "\"as_of\": \"2026-11-30\"";

    [Theory]
    [InlineData("\"limit\": \"ten\"", "param 'limit': must be a whole number, got a string")]
    [InlineData("\"limit\": 2.5", "param 'limit': must be a whole number, got 2.5")]
    [InlineData("\"limit\": null", "param 'limit': must be a whole number, got null")]
    [InlineData("\"limit\": 0", "param 'limit': must be at least 1")]
    [InlineData("\"limit\": 10001", "param 'limit': must be at most 10000")]
    [InlineData("\"ratio\": 0.95", "param 'ratio': must be at most 0.9")]
    [InlineData("\"region\": \"mars\"", "param 'region': must be one of 'emea', 'apac', got 'mars'")]
    [InlineData("\"code\": \"a\"", "param 'code': must be at least 2 characters long")]
    [InlineData("\"code\": \"abcdefg\"", "param 'code': must be at most 5 characters long")]
    [InlineData("\"code\": \"AB\"", "param 'code': must match the pattern ^[a-z]+$, got 'AB'")]
    [InlineData("\"as_of\": \"2026-02-30\"", "param 'as_of': must be a date such as 2024-01-31, got '2026-02-30'")]
    [InlineData("\"at\": \"2026-01-31 06:00\"",
        "param 'at': must be a date and time with its offset, such as 2024-01-31T06:00:00Z, got '2026-01-31 06:00'")]
    [InlineData("\"dry_run\": \"yes\"", "param 'dry_run': must be true or false, got a string")]
    [InlineData("\"tables\": \"orders\"", "param 'tables': must be a list, got a string")]
    [InlineData("\"city\": 5", "param 'city': must be a string, got a number")]
    public void Each_keyword_refuses_a_value_with_its_own_message(string entry, string problem)
    {
        var conf = entry.StartsWith("\"as_of\"", StringComparison.Ordinal) ? $"{{{entry}}}" : $"{{{AsOf}, {entry}}}";

        Assert.Equal([problem], Params.Validate(Conf(conf)).Select(p => p.ToString()));
    }

    [Fact]
    public void Every_problem_is_reported_at_once_in_the_params_order()
    {
        var problems = Params.Validate(Conf("""{"code": "ABCDEFG", "limit": 0, "region": "mars"}"""));

        Assert.Equal(
            ["param 'region': must be one of 'emea', 'apac', got 'mars'", "param 'limit': must be at least 1",
                "param 'code': must be at most 5 characters long", "param 'code': must match the pattern ^[a-z]+$, got 'ABCDEFG'",
                "param 'as_of': is required and has no default: give it a value"],
            problems.Select(p => p.ToString()));
    }

    [Fact]
    public void A_required_param_without_a_default_must_have_a_value()
    {
        Assert.Equal(["param 'as_of': is required and has no default: give it a value"], Params.Validate([]).Select(p => p.ToString()));
        Assert.Empty(Params.Validate(Conf($"{{{AsOf}}}")));
    }

    [Fact]
    public void Params_the_conf_leaves_out_take_their_defaults()
    {
        var resolved = Params.WithDefaults(Conf($$"""{{{AsOf}}, "limit": 7}"""));

        Assert.Equal(
            """{"region":"emea","limit":7,"ratio":0.5,"code":"ab","at":"2026-01-31T06:00:00Z","dry_run":false,"tables":["orders"],"city":"nyc","anything":null,"as_of":"2026-11-30"}""",
            resolved.ToJsonString());
    }

    [Fact]
    public void Keys_no_param_declares_are_allowed_and_a_param_without_a_type_takes_anything()
    {
        Assert.Empty(Params.Validate(Conf($$"""{{{AsOf}}, "extra": {"nested": [1, 2]}, "anything": [true]}""")));
    }

    private static JsonObject Conf(string json) => JsonNode.Parse(json)!.AsObject();
}
