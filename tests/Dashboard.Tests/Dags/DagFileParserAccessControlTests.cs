using System.Text.Json;
using Dashboard.Core.Dags;

namespace Dashboard.Tests.Dags;

public sealed class DagFileParserAccessControlTests
{
    private static DagParseResult Parse(string accessControl) => DagFileParser.Parse($$"""
        dag_id: finance_report
        tasks:
          - {id: only, kind: empty}
        {{accessControl}}
        """);

    [Fact]
    public void Can_edit_lists_roles_spelled_as_the_roles_are_and_user_names_as_written()
    {
        var result = Parse("""
            access_control:
              can_edit: [op, ADMIN, alice, Bob.Smith@example.com]
            """);

        Assert.Empty(result.Errors);
        Assert.Equal(["Op", "Admin", "alice", "Bob.Smith@example.com"], result.Dag!.EditAccess);
    }

    [Fact]
    public void Without_access_control_nothing_is_restricted()
    {
        Assert.Null(Parse("").Dag!.EditAccess);
    }

    [Fact]
    public void A_dag_without_access_control_serializes_as_before_so_its_version_hash_stays()
    {
        // The DAG-file processor hashes this JSON to decide whether a file made a new version.
        Assert.DoesNotContain(nameof(DagDefinition.EditAccess), JsonSerializer.Serialize(Parse("").Dag), StringComparison.Ordinal);
        Assert.Contains("\"EditAccess\":[\"Op\"]", JsonSerializer.Serialize(Parse("access_control: {can_edit: [op]}").Dag), StringComparison.Ordinal);
    }

    [Fact]
    public void Entries_that_differ_only_in_case_count_once()
    {
        Assert.Equal(["Op", "alice"], Parse("access_control: {can_edit: [Op, op, alice, Alice]}").Dag!.EditAccess);
    }

    [Theory]
    [InlineData("access_control:\n  can_edit: [Op]\n  can_delete: [Op]", 6, "unknown key 'can_delete' in access_control; expected can_edit")]
    [InlineData("access_control:\n  can_edit: Op", 5, "'can_edit' in access_control must be a list such as [Op, alice], not a value")]
    [InlineData("access_control:\n  can_edit: {Op: true}", 5, "'can_edit' in access_control must be a list such as [Op, alice], not a mapping")]
    [InlineData("access_control: [Op]", 4, "'access_control' in the DAG must be a mapping of names to values, not a list")]
    [InlineData("access_control:\n  can_edit: [Op, [alice]]", 5, "every item of 'can_edit' in access_control must be text")]
    [InlineData("access_control:\n  can_edit: [Op, '  ']", 5, "every entry of 'can_edit' in access_control must be a role or a user name, not empty text")]
    public void A_malformed_access_control_is_an_error_naming_the_field(string accessControl, int line, string message)
    {
        var result = Parse(accessControl);

        Assert.Null(result.Dag);
        Assert.Contains(result.Errors, e => e.Line == line && e.Message == message);
    }

    [Fact]
    public void Can_read_is_refused_because_reading_is_open_to_everyone()
    {
        var result = Parse("access_control:\n  can_edit: [Op]\n  can_read: [Viewer]");

        var error = Assert.Single(result.Errors);
        Assert.Equal(6, error.Line);
        Assert.StartsWith("'can_read' in access_control is not supported: every signed-in user may read every DAG", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("access_control:\n  can_edit: []")]
    [InlineData("access_control:\n  can_edit:")]
    [InlineData("access_control: {}")]
    public void An_empty_list_is_refused_as_it_would_leave_the_dag_to_admins(string accessControl)
    {
        var error = Assert.Single(Parse(accessControl).Errors);
        Assert.StartsWith("access_control needs 'can_edit'", error.Message, StringComparison.Ordinal);
        Assert.Contains("list Admin to mean that, or remove access_control", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_fifty_entries_or_an_entry_over_a_hundred_characters_is_refused()
    {
        var many = Parse($"access_control:\n  can_edit: [{string.Join(", ", Enumerable.Range(1, 51).Select(i => $"user{i}"))}]");
        var tooLong = Parse($"access_control:\n  can_edit: [{new string('a', 101)}]");

        Assert.Equal("'can_edit' in access_control has 51 entries, more than 50; list a role instead of many users", Assert.Single(many.Errors).Message);
        Assert.Equal("an entry of 'can_edit' in access_control is 101 characters long, more than 100", Assert.Single(tooLong.Errors).Message);
        Assert.Null(Parse($"access_control:\n  can_edit: [{new string('a', 100)}]").Errors.SingleOrDefault());
    }
}
