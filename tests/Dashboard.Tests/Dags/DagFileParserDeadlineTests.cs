using System.Text.Json;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;

namespace Dashboard.Tests.Dags;

/// <summary>The DAG fields <c>deadline</c> and <c>max_consecutive_failed_dag_runs</c>.</summary>
public sealed class DagFileParserDeadlineTests
{
    private const string Head = """
        dag_id: timed
        schedule: "@daily"
        start_date: 2024-01-01
        tasks:
          - {id: work, command: echo hi}

        """;

    [Theory]
    [InlineData("logical_date", "2h", DeadlineReference.LogicalDate, 7200)]
    [InlineData("queued_at", "90m", DeadlineReference.QueuedAt, 5400)]
    [InlineData("run_after", "00:30:00", DeadlineReference.RunAfter, 1800)]
    [InlineData("run_after", "600", DeadlineReference.RunAfter, 600)]
    public void A_deadline_names_its_reference_and_an_interval_written_like_retry_delay(
        string reference, string interval, DeadlineReference expected, int seconds)
    {
        var result = DagFileParser.Parse(Head + $"deadline: {{reference: {reference}, interval: {interval}}}\n");

        Assert.Empty(result.Errors);
        Assert.Equal(new DagDeadline(expected, TimeSpan.FromSeconds(seconds)), result.Dag!.Deadline);
    }

    [Theory]
    [InlineData("deadline: {reference: started_at, interval: 2h}", "'started_at' is no deadline reference; expected one of: logical_date, queued_at, run_after")]
    [InlineData("deadline: {interval: 2h}", "deadline needs 'reference'")]
    [InlineData("deadline: {reference: logical_date}", "deadline needs 'interval'")]
    [InlineData("deadline: {reference: logical_date, interval: ~}", "deadline needs 'interval'")]
    [InlineData("deadline: {reference: ~, interval: 2h}", "deadline needs 'reference'")]
    [InlineData("deadline: {reference: logical_date, interval: -5m}", "'interval' in deadline must be a duration")]
    [InlineData("deadline: {reference: logical_date, interval: 0}", "'interval' in deadline must be more than 0 and at most 366 days")]
    [InlineData("deadline: {reference: logical_date, interval: 400d}", "'interval' in deadline must be more than 0 and at most 366 days")]
    [InlineData("deadline: {reference: logical_date, interval: 1e300d}", "'interval' in deadline must be a duration")]
    [InlineData("deadline: {reference: logical_date, interval: 2h, callback: x}", "unknown key 'callback' in deadline")]
    [InlineData("deadline: 2h", "'deadline' in the DAG must be a mapping")]
    [InlineData("max_consecutive_failed_dag_runs: -1", "'max_consecutive_failed_dag_runs' in the DAG must be at least 0")]
    public void A_wrong_deadline_or_failure_limit_is_an_error_on_its_line(string line, string message)
    {
        var result = DagFileParser.Parse(Head + line + "\n");

        Assert.Null(result.Dag);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(6, error.Line);
    }

    [Fact]
    public void The_failure_limit_is_read_and_zero_means_never()
    {
        Assert.Equal(3, DagFileParser.Parse(Head + "max_consecutive_failed_dag_runs: 3\n").Dag!.MaxConsecutiveFailedDagRuns);
        Assert.Equal(0, DagFileParser.Parse(Head + "max_consecutive_failed_dag_runs: 0\n").Dag!.MaxConsecutiveFailedDagRuns);
    }

    [Fact]
    public void A_dag_without_either_field_hashes_as_before_they_existed()
    {
        var dag = DagFileParser.Parse(Head).Dag!;

        Assert.Null(dag.Deadline);
        Assert.Null(dag.MaxConsecutiveFailedDagRuns);
        // The version hash is taken over this JSON: a new member in it would make every DAG a new version.
        var json = JsonSerializer.Serialize(dag);
        Assert.DoesNotContain(nameof(DagDefinition.Deadline), json, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(DagDefinition.MaxConsecutiveFailedDagRuns), json, StringComparison.Ordinal);
    }
}
