using Dashboard.Core.Dags;
using Dashboard.Core.Domain;

namespace Dashboard.Tests.Dags;

public sealed class DagFileParserCrossDagTests
{
    private static string Dag(string task) => $"""
        dag_id: report
        schedule: null
        tasks:
        {task}
        """;

    [Fact]
    public void An_external_task_sensor_gets_airflows_defaults()
    {
        var result = DagFileParser.Parse(Dag("""
              - id: wait
                kind: external_task
                external_dag_id: taxi_pipeline
                external_task_id: dbt_test
            """));

        Assert.Empty(result.Errors);
        var task = Assert.Single(result.Dag!.Tasks);
        Assert.Equal(TaskKind.ExternalTask, task.Kind);
        var sensor = task.CrossDag!;
        Assert.Equal(("taxi_pipeline", "dbt_test", TimeSpan.Zero), (sensor.DagId, sensor.TaskId, sensor.ExecutionDelta));
        Assert.Equal(["success"], sensor.AllowedStates);
        Assert.Equal(["failed", "upstream_failed"], sensor.FailedStates);
        Assert.Empty(sensor.SkippedStates);
        Assert.Equal((TimeSpan.FromSeconds(60), TimeSpan.FromDays(7), false), (sensor.PokeInterval, sensor.Timeout!.Value, sensor.SoftFail));
    }

    [Fact]
    public void A_sensor_on_a_whole_run_fails_on_a_failed_run_by_default_and_reads_every_field()
    {
        var result = DagFileParser.Parse(Dag("""
              - id: wait
                kind: external_task
                external_dag_id: taxi_pipeline
                execution_delta: 1h
                allowed_states: [success, failed]
                failed_states: []
                poke_interval: 5s
                timeout: 2h
                soft_fail: true
            """));

        Assert.Empty(result.Errors);
        var sensor = result.Dag!.Tasks[0].CrossDag!;
        Assert.Null(sensor.TaskId);
        Assert.Equal(["success", "failed"], sensor.AllowedStates);
        Assert.Empty(sensor.FailedStates);
        Assert.Equal((TimeSpan.FromHours(1), TimeSpan.FromSeconds(5), TimeSpan.FromHours(2), true),
            (sensor.ExecutionDelta, sensor.PokeInterval, sensor.Timeout!.Value, sensor.SoftFail));
        Assert.Equal(["failed"], DagFileParser.Parse(Dag("""
              - id: wait
                kind: external_task
                external_dag_id: taxi_pipeline
            """)).Dag!.Tasks[0].CrossDag!.FailedStates);
    }

    [Fact]
    public void A_trigger_dag_task_reads_its_conf_and_defaults()
    {
        var result = DagFileParser.Parse(Dag("""
              - id: notify
                kind: trigger_dag
                trigger_dag_id: notify
                conf: {month: "{{ ds }}", n: 2}
            """));

        Assert.Empty(result.Errors);
        var trigger = result.Dag!.Tasks[0].CrossDag!;
        Assert.Equal(("notify", """{"month":"{{ ds }}","n":2}"""), (trigger.DagId, trigger.Conf));
        Assert.Equal((true, false, true, (TimeSpan?)null), (trigger.SameLogicalDate, trigger.WaitForCompletion, trigger.ResetDagRun, trigger.Timeout));
        Assert.Equal(["success"], trigger.AllowedStates);
        Assert.Equal(["failed"], trigger.FailedStates);
    }

    [Theory]
    [InlineData("kind: external_task", "line 4: task 'x' needs 'external_dag_id': the DAG it waits on")]
    [InlineData("kind: trigger_dag", "line 4: task 'x' needs 'trigger_dag_id': the DAG it triggers")]
    [InlineData("kind: external_task\n    external_dag_id: a b", "line 6: external_dag_id 'a b' of task 'x' may only hold letters, digits, '_', '-' and '.'")]
    [InlineData("kind: external_task\n    external_dag_id: a\n    allowed_states: [done]", "line 7: unknown run state 'done' in 'allowed_states' of task 'x'; expected one of: queued, running, success, failed")]
    [InlineData("kind: external_task\n    external_dag_id: a\n    external_task_id: t\n    skipped_states: [failed]", "line 8: state 'failed' of task 'x' is in both 'failed_states' and 'skipped_states'")]
    [InlineData("kind: external_task\n    external_dag_id: a\n    poke_interval: 0.5s", "line 7: poke_interval of task 'x' must be at least 1s: every check is a query")]
    [InlineData("kind: external_task\n    external_dag_id: a\n    timeout: soon", "line 7: 'timeout' in task 'x' must be a duration such as 300, 90s, 5m, 2h or 00:05:00, got 'soon'")]
    [InlineData("kind: external_task\n    external_dag_id: a\n    command: exit 0", "line 7: task 'x' is a external_task task and takes no 'command'")]
    [InlineData("kind: external_task\n    external_dag_id: a\n    conf: {}", "line 7: 'conf' belongs to a trigger_dag task; task 'x' is a external_task task")]
    [InlineData("command: exit 0\n    poke_interval: 1m", "line 6: 'poke_interval' belongs to an external_task task; task 'x' is a bash task")]
    [InlineData("kind: trigger_dag\n    trigger_dag_id: a\n    logical_date: tomorrow", "line 7: logical_date of task 'x' must be 'same' (this run's logical date) or 'none' (a run without one), got 'tomorrow'")]
    [InlineData("kind: trigger_dag\n    trigger_dag_id: a\n    conf: [1]", "line 7: 'conf' in task 'x' must be a mapping of names to values, not a list")]
    public void Bad_fields_are_reported_on_their_line(string fields, string expected)
    {
        var result = DagFileParser.Parse(Dag($"""
              - id: x
                {fields}
            """));

        Assert.Contains(expected, result.Errors.Select(e => e.ToString()));
    }
}
