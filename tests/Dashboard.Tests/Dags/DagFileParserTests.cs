using System.Globalization;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;

namespace Dashboard.Tests.Dags;

public sealed class DagFileParserTests
{
    private const string Taxi = """
        dag_id: taxi_pipeline
        description: Monthly taxi trips
        schedule: "@monthly"
        start_date: 2024-01-01
        catchup: false
        max_active_runs: 1
        tags: [taxi, warehouse]
        params:
          city: nyc
          sample: 100
        default_args:
          retries: 2
          retry_delay: 30s
        tasks:
          - id: dbt_test
            upstream: [dbt_run]
            command: echo test {{ ds }}
          - id: ingest_taxi_month
            command: echo ingest
            env:
              TARGET: warehouse
          - id: dbt_run
            upstream: ingest_taxi_month
            group: transform
            retries: 0
            command: echo run
        """;

    [Fact]
    public void A_valid_file_gives_the_dag_with_defaults_applied_and_tasks_in_topological_order()
    {
        var result = DagFileParser.Parse(Taxi);

        Assert.Empty(result.Errors);
        var dag = result.Dag!;
        Assert.Equal(("taxi_pipeline", "@monthly", 1, false), (dag.DagId, dag.Schedule, dag.MaxActiveRuns, dag.Catchup));
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), dag.StartDate);
        Assert.Equal(["taxi", "warehouse"], dag.Tags);
        Assert.Equal("""{"city":"nyc","sample":100}""", dag.ParamsJson);
        Assert.Equal(["ingest_taxi_month", "dbt_run", "dbt_test"], dag.Tasks.OrderBy(t => t.Ordinal).Select(t => t.TaskId));

        var ingest = dag.Tasks.Single(t => t.TaskId == "ingest_taxi_month");
        Assert.Equal((2, TimeSpan.FromSeconds(30), TaskKind.Bash, TriggerRule.AllSuccess), (ingest.Retries, ingest.RetryDelay, ingest.Kind, ingest.TriggerRule));
        Assert.Equal("warehouse", ingest.Env["TARGET"]);
        var run = dag.Tasks.Single(t => t.TaskId == "dbt_run");
        Assert.Equal((0, "transform"), (run.Retries, run.GroupId));
        Assert.Equal(["ingest_taxi_month"], run.Upstream);
    }

    [Theory]
    [InlineData("2024-01-01", "2023-12-31T23:00:00Z")]
    [InlineData("2024-07-01 06:30", "2024-07-01T04:30:00Z")]
    [InlineData("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z")]
    [InlineData("2024-01-01T00:00:00+05:00", "2023-12-31T19:00:00Z")]
    public void A_date_without_an_offset_is_wall_clock_time_in_the_dag_time_zone(string written, string expectedUtc)
    {
        var result = DagFileParser.Parse($"dag_id: berlin\ntimezone: Europe/Berlin\nstart_date: {written}\ntasks:\n  - id: a\n    command: x\n");

        Assert.Empty(result.Errors);
        Assert.Equal(DateTimeOffset.Parse(expectedUtc, CultureInfo.InvariantCulture), result.Dag!.StartDate);
        Assert.Equal(TimeSpan.Zero, result.Dag.StartDate!.Value.Offset);
    }

    [Fact]
    public void Dates_in_messages_are_shown_in_the_dag_time_zone()
    {
        var result = DagFileParser.Parse("dag_id: berlin\ntimezone: Europe/Berlin\nstart_date: 2024-01-01\nend_date: 2023-06-01\ntasks:\n  - id: a\n    command: x\n");

        Assert.Contains(result.Errors, e => e.Message == "end_date 2023-06-01 is before start_date 2024-01-01");
    }

    // Every case follows a two-line header (dag_id, start_date); lines are those of the whole file.
    [Theory]
    [InlineData("tasks:\n  - id: a\n    command: x\n    upstream: [ghost]\n", 6, "task 'a' has unknown upstream task 'ghost'")]
    [InlineData("tasks:\n  - id: a\n    command: x\n    upstream: [b]\n  - id: b\n    command: x\n    upstream: [a]\n", 7, "the tasks form a cycle: b -> a -> b")]
    [InlineData("tasks:\n  - id: a\n    command: x\n  - id: a\n    command: y\n", 6, "duplicate task id 'a' (first defined on line 4)")]
    [InlineData("schedule: '61 * * * *'\ntasks:\n  - id: a\n    command: x\n", 3, "'61 * * * *' is not a valid cron expression")]
    [InlineData("schedule: '@fortnightly'\ntasks:\n  - id: a\n    command: x\n", 3, "unknown schedule preset '@fortnightly'")]
    [InlineData("end_date: 2023-01-01\ntasks:\n  - id: a\n    command: x\n", 3, "end_date 2023-01-01 is before start_date 2024-01-01")]
    [InlineData("owner: me\ntasks:\n  - id: a\n    command: x\n", 3, "unknown key 'owner' in the DAG")]
    [InlineData("max_active_runs: many\ntasks:\n  - id: a\n    command: x\n", 3, "'max_active_runs' in the DAG must be a whole number, got 'many'")]
    [InlineData("tasks:\n  - id: a\n    command: x\n    trigger_rule: most_success\n", 6, "unknown trigger_rule 'most_success'")]
    [InlineData("tasks:\n  - id: a\n    command: x\n    retries: [1]\n", 6, "'retries' in task 'a' must be a whole number, not a list")]
    [InlineData("tasks:\n  - id: a\n    kind: python\n", 5, "unknown kind 'python' for task 'a'")]
    [InlineData("tasks:\n  - id: a\n", 4, "task 'a' is a bash task and needs a 'command'")]
    [InlineData("tasks: [\n", 4, "not valid YAML")]
    public void Each_problem_is_reported_with_its_line(string body, int line, string message)
    {
        var result = DagFileParser.Parse("dag_id: broken\nstart_date: 2024-01-01\n" + body);

        Assert.Null(result.Dag);
        Assert.Contains(result.Errors, e => e.Line == line && e.Message.Contains(message, StringComparison.Ordinal));
    }
}
