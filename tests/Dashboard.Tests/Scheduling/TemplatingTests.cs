using Dashboard.Core.Domain;
using Dashboard.Testing;

namespace Dashboard.Tests.Scheduling;

public sealed class TemplatingTests
{
    [Fact]
    public async Task An_unknown_template_variable_fails_the_try_without_running_the_command()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: typo
            schedule: null
            tasks:
              - id: export
                command: touch "$DASHBOARD_DATA_DIR/ran" && echo {{ tabel }}
            """);
        var runId = await engine.TriggerAsync(dagId);

        await engine.RunUntilRunsFinishedAsync(dagId);

        var ti = await engine.TaskInstanceAsync(dagId, runId, "export");
        Assert.Equal((TaskInstanceState.Failed, 1), (ti.State!.Value, ti.TryNumber));
        var log = await engine.LogAsync(ti.Id, 1);
        Assert.Contains(log, line => line.StartsWith("Template error: unknown template variable 'tabel'", StringComparison.Ordinal));
        Assert.Contains("The command was not run.", log);
        Assert.False(File.Exists(Path.Combine(engine.DataDirectory, "ran")));
    }

    [Fact]
    public async Task A_date_variable_in_a_manual_run_without_a_logical_date_is_an_error()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: dated
            schedule: null
            tasks:
              - id: export
                command: echo "exporting {{ ds }}"
            """);
        var runId = await engine.TriggerAsync(dagId);

        await engine.RunUntilRunsFinishedAsync(dagId);

        var ti = await engine.TaskInstanceAsync(dagId, runId, "export");
        Assert.Equal(TaskInstanceState.Failed, ti.State);
        Assert.Contains(
            $"Template error: {{{{ ds }}}} needs a logical date; run {runId} has none: trigger it with a logical date", await engine.LogAsync(ti.Id, 1));
    }

    [Fact]
    public async Task A_runs_conf_overrides_the_dags_params_in_templates_and_in_the_environment()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: export
            schedule: null
            params:
              table: orders
              rows: 100
            tasks:
              - id: export
                command: echo "{{ params.table }} $PARAMS_TABLE {{ params.rows }} $PARAMS_ROWS"
            """);
        var overridden = await engine.TriggerAsync(dagId, """{"table": "customers"}""");
        var defaults = await engine.TriggerAsync(dagId);

        await engine.RunUntilRunsFinishedAsync(dagId, runs: 2);

        var withConf = await engine.TaskInstanceAsync(dagId, overridden, "export");
        Assert.Contains("customers customers 100 100", await engine.LogAsync(withConf.Id, 1));
        var withoutConf = await engine.TaskInstanceAsync(dagId, defaults, "export");
        Assert.Contains("orders orders 100 100", await engine.LogAsync(withoutConf.Id, 1));
    }

    [Fact]
    public async Task Params_a_conf_leaves_out_take_the_defaults_of_their_specs()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var dagId = await engine.AddDagAsync("""
            dag_id: report
            schedule: null
            params:
              region: {type: string, enum: [emea, apac], default: emea}
              limit: {type: integer, minimum: 1, default: 100}
              as_of: {type: string, format: date, required: true}
            tasks:
              - id: export
                command: echo "{{ params.region }} {{ params.limit }} {{ params.as_of }} $PARAMS_AS_OF"
            """);
        var runId = await engine.TriggerAsync(dagId, """{"as_of": "2026-11-30"}""");

        await engine.RunUntilRunsFinishedAsync(dagId);

        var ti = await engine.TaskInstanceAsync(dagId, runId, "export");
        Assert.Contains("emea 100 2026-11-30 2026-11-30", await engine.LogAsync(ti.Id, 1));
    }

    [Fact]
    public async Task A_runaway_log_is_cut_off_with_a_marker_that_says_how_much_is_missing()
    {
        await using var engine = await EngineHarness.CreateAsync(settings: new Dictionary<string, string?>
        {
            ["Executor:MaxLogLinesPerTry"] = "10",
            ["Executor:MaxLogLineLength"] = "100",
        });
        var dagId = await engine.AddDagAsync("""
            dag_id: chatty
            schedule: null
            tasks:
              - id: talk
                command: 'printf "%0300d\n" 0; for i in $(seq 1 50); do echo "line $i"; done'
            """);
        var runId = await engine.TriggerAsync(dagId);

        await engine.RunUntilRunsFinishedAsync(dagId);

        var ti = await engine.TaskInstanceAsync(dagId, runId, "talk");
        Assert.Equal(TaskInstanceState.Success, ti.State);
        var log = await engine.LogAsync(ti.Id, 1);
        // The executor's own lines do not count against the task's ten.
        Assert.Contains(new string('0', 100) + " [line truncated: 200 more characters]", log);
        Assert.Contains("line 9", log);
        Assert.DoesNotContain("line 10", log);
        Assert.Contains(log, line => line.StartsWith("[log truncated: 41 more lines", StringComparison.Ordinal));
    }
}
