using System.Globalization;
using System.Text;
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
        Assert.Equal("""{"city":"nyc","sample":100}""", dag.Params.Defaults().ToJsonString());
        Assert.Equal([ParamType.String, ParamType.Number], dag.Params.Specs.Select(p => p.Type));
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

    // ---- Limits: a hostile file is an error at its line, found without expanding or walking what it would grow into ----

    [Fact]
    public void An_alias_bomb_is_cut_off_while_it_is_read_with_bounded_memory()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();

        var result = DagFileParser.Parse(HostileDagFileTests.AliasBomb);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var error = Assert.Single(result.Errors);
        Assert.Equal(8, error.Line);
        Assert.StartsWith("the file has more than 500,000 YAML nodes", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 16 * 1024 * 1024, $"parsing the alias bomb allocated {allocated:N0} bytes");
    }

    [Theory]
    [InlineData("a: &a [x]\nb: [*a, *a, *a]\n", 8, 1_000, 3, "the file has more than 8 YAML nodes, counting each alias as the nodes it repeats (the limit is the setting Dags:MaxYamlNodes)")]
    [InlineData("a: &a [x]\nb: [*a, *a]\nc: *a\n", 1_000, 1, 3, "the file has more than 1 aliases (the limit is the setting Dags:MaxYamlAliases)")]
    [InlineData("a: [[[[x]]]]\n", 1_000, 1_000, 2, "mappings and lists nest more than 4 deep (the limit is the setting Dags:MaxYamlDepth)")]
    [InlineData("a: &a [[x]]\nb: [[*a]]\n", 1_000, 1_000, 3, "mappings and lists nest more than 4 deep (the limit is the setting Dags:MaxYamlDepth)")]
    [InlineData("a: &a [x, *a]\n", 1_000, 1_000, 2, "alias *a is inside the node it names, which would repeat forever")]
    [InlineData("a: *b\nb: &b x\n", 1_000, 1_000, 2, "alias *b names no anchor before it")]
    public void Yaml_over_a_limit_is_refused_at_the_line_where_it_goes_over(string yaml, int nodes, int aliases, int line, string message)
    {
        var limits = new DagFileLimits { MaxYamlNodes = nodes, MaxYamlAliases = aliases, MaxYamlDepth = 4 };

        var result = DagFileParser.Parse("dag_id: x\n" + yaml, limits);

        Assert.Equal((line, message), (Assert.Single(result.Errors).Line, Assert.Single(result.Errors).Message));
    }

    [Fact]
    public void Nesting_thousands_deep_is_refused_without_exhausting_the_stack()
    {
        var result = DagFileParser.Parse("dag_id: x\nparams: {a: " + new string('[', 100_000) + new string(']', 100_000) + "}\n");

        Assert.Contains("mappings and lists nest more than 32 deep", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tags: [a, b, c]\n", "the DAG has 3 tags, more than 2 (the limit is the setting Dags:MaxTags)")]
    [InlineData("tags: [abcdef]\n", "a tag is 6 characters long, more than 5 (the limit is the setting Dags:MaxTagLength)")]
    [InlineData("params: {table: orders_and_more}\n", "'params' is 86 bytes as JSON, more than 20 (the limit is the setting Dags:MaxParamsBytes)")]
    [InlineData("description: a long text\n", "'description' is 11 characters long, more than 10 (the limit is the setting Dags:MaxDescriptionLength)")]
    [InlineData("tasks:\n  - {id: a, command: echo a very long command}\n", "the command of task 'a' is 24 characters long, more than 20 (the limit is the setting Dags:MaxCommandLength)")]
    [InlineData("tasks:\n  - {id: a, command: x, env: {A: a very long value}}\n", "environment variable 'A' of task 'a' is longer than 10 characters (the limit is the setting Dags:MaxEnvValueLength)")]
    [InlineData("tasks:\n  - {id: a, command: x}\n  - {id: b, command: x}\n  - {id: c, command: x}\n", "the DAG has 3 tasks, more than 2 (the limit is the setting Dags:MaxTasks)")]
    [InlineData("tasks:\n  - {id: a, command: x, env: {[A]: b}}\n", "environment variable '' of task 'a' must be a text value")]
    public void A_field_over_its_limit_is_an_error_that_names_the_setting(string field, string message)
    {
        var limits = new DagFileLimits
        {
            MaxTags = 2, MaxTagLength = 5, MaxParamsBytes = 20, MaxDescriptionLength = 10, MaxCommandLength = 20, MaxEnvValueLength = 10, MaxTasks = 2,
        };
        var tasks = field.StartsWith("tasks", StringComparison.Ordinal) ? "" : "tasks:\n  - {id: a, command: x}\n";

        var result = DagFileParser.Parse("dag_id: x\nschedule: null\n" + field + tasks, limits);

        Assert.Contains(message, result.Errors.Select(e => e.Message));
    }

    [Fact]
    public void A_group_longer_than_a_task_id_may_be_is_an_error()
    {
        var result = DagFileParser.Parse($"dag_id: x\nschedule: null\ntasks:\n  - {{id: a, command: x, group: {new string('g', 251)}}}\n");

        Assert.Contains(result.Errors, e => e.Message == "the group of task 'a' is 251 characters long, more than 250");
    }

    [Fact]
    public void Messages_that_quote_a_hostile_file_are_cut_and_a_flood_of_problems_is_counted()
    {
        var yaml = new StringBuilder("dag_id: x\nschedule: null\ntasks:\n  - {id: a, command: x}\n");
        for (var i = 0; i < 150; i++)
        {
            yaml.Append($"key{i}{new string('k', 900)}: 1\n");
        }

        var result = DagFileParser.Parse(yaml.ToString());

        Assert.Equal(101, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.True(e.Message.Length <= 500));
        Assert.Equal("and 50 more problems", result.Errors[^1].Message);
    }

    [Fact]
    public void A_duplicate_key_is_an_error_at_its_line()
    {
        var result = DagFileParser.Parse("dag_id: x\nschedule: null\nschedule: null\ntasks:\n  - {id: a, command: x}\n");

        Assert.Equal(3, Assert.Single(result.Errors).Line);
    }

    [Theory]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'a', (byte)':', (byte)' ', (byte)'b' }, null, null)]
    [InlineData(new byte[] { (byte)'a', (byte)'\n', (byte)'b', 0xC3, (byte)'\n' }, 2, "the file is not valid UTF-8: byte 0xC3 cannot start or continue a character here; save the file as UTF-8")]
    [InlineData(new byte[] { (byte)'a', (byte)'\n', (byte)'\n', 0xED, 0xA0, 0x80 }, 3, "the file is not valid UTF-8: byte 0xED")]
    [InlineData(new byte[] { (byte)'a', (byte)'\n', 0 }, 2, "the file holds a NUL byte")]
    public void File_bytes_are_strict_utf8_without_nul(byte[] bytes, int? line, string? message)
    {
        var (text, error) = DagFileText.Decode(bytes);

        if (message is null)
        {
            Assert.Equal(("a: b", null), (text, error));
        }
        else
        {
            Assert.Null(text);
            Assert.Equal(line, error!.Line);
            Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        }
    }
}
