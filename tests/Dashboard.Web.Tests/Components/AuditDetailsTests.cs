using Dashboard.Web.Components.Audit;

namespace Dashboard.Web.Tests.Components;

/// <summary>An audit row's details as the audit log shows them: short "key: value" chips, the noise left out.</summary>
public sealed class AuditDetailsTests
{
    private static string[] Chips(string json) => [.. AuditDetails.Pairs(json).Select(p => $"{p.Key}: {p.Value}")];

    [Fact]
    public void A_clear_rows_details_read_as_the_options_that_were_on_and_the_counts()
    {
        // As ClearService writes them.
        const string json = """
            {"targets":[{"run_id":"scheduled__2026-01-02T00:00:00+00:00","id":"transform","kind":"task"}],
             "upstream":true,"downstream":true,"past":false,"future":false,"only_failed":false,"disturb_running":false,
             "keep_versions":false,"restarted":0,"runs_requeued":1,"versions":{"current":1,"moved":[],"kept":null}}
            """;

        Assert.Equal(
            ["targets: run id: scheduled__2026-01-02T00:00:00+0…", "upstream: yes", "downstream: yes", "restarted: 0", "runs requeued: 1", "versions: current: 1"],
            Chips(json));
        Assert.Equal(0, AuditDetails.Hidden(json));
    }

    [Fact]
    public void False_null_empty_strings_lists_and_objects_are_left_out_at_any_depth_but_zero_is_kept()
    {
        const string json = """
            {"a":false,"b":null,"c":"","d":[],"e":{},"f":{"g":[],"h":{"i":false}},"zero":0,"flag":true,"name":"nyc"}
            """;

        Assert.Equal(["zero: 0", "flag: yes", "name: nyc"], Chips(json));
    }

    [Fact]
    public void At_most_eight_pairs_are_shown_and_the_rest_are_counted_without_the_noise()
    {
        var json = "{" + string.Join(",", Enumerable.Range(1, 11).Select(i => $"\"key_{i}\":{i}")) + ",\"off\":false}";

        Assert.Equal(Enumerable.Range(1, 8).Select(i => $"key {i}: {i}"), Chips(json));
        Assert.Equal(3, AuditDetails.Hidden(json));
    }

    [Fact]
    public void Long_lists_show_three_items_and_a_count_and_long_values_are_cut_at_forty_characters()
    {
        var json = """{"run_ids":["a","b","c","d","e"],"short":["x","y"],"nested":{"b":{"c":true}},"note":""" + $"\"{new string('n', 50)}\"}}";

        Assert.Equal(["run ids: a, b, c +2", "short: x, y", "nested: b: c: yes", $"note: {new string('n', 40)}…"], Chips(json));
    }

    [Theory]
    [InlineData("[1,2]", "value: [1,2]")]
    [InlineData("\"just text\"", "value: just text")]
    [InlineData("42", "value: 42")]
    [InlineData("not json {", "details: not json {")]
    [InlineData("{\"cut\": ", "details: {\"cut\": ")]
    public void Details_that_are_not_an_object_are_shown_whole_as_one_chip(string json, string chip)
    {
        Assert.Equal([chip], Chips(json));
        Assert.Equal(0, AuditDetails.Hidden(json));
    }
}
