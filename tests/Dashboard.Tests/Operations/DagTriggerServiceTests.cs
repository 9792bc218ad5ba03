using System.Text;
using System.Text.Json.Nodes;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Trigger;
using Dashboard.Core.Persistence;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Operations;

/// <summary>
/// What a manual run's request may carry: a conf of bounded size with storable text that fits the DAG's
/// params, and a logical date a timetable can compute; and what the trigger form starts from.
/// </summary>
public sealed class DagTriggerServiceTests
{
    private const string Dag = """
        dag_id: export
        schedule: "@daily"
        start_date: 2024-01-01
        params: {table: orders}
        tasks:
          - {id: export, kind: empty}
        """;

    private const string ReportDag = """
        dag_id: report
        schedule: "@monthly"
        start_date: 2024-01-01
        params:
          region: {type: string, enum: [emea, apac], default: emea}
          limit: {type: integer, minimum: 1, maximum: 1000, default: 100}
          as_of: {type: string, format: date, required: true}
        tasks:
          - {id: export, kind: empty}
        """;

    [Fact]
    public async Task A_conf_over_64_kb_is_refused_with_its_size_and_nothing_is_created()
    {
        await using var engine = await EngineWithDagAsync();
        var conf = $$"""{"table": "orders", "rows": "{{new string('x', 120_000)}}"}""";

        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => TriggerAsync(engine, conf));

        Assert.Equal(
            "The conf is 120,031 bytes, more than the 65,536 bytes (64 KB) a run's conf may have: pass a path or a key to the data instead of the data itself.",
            refused.Message);
        await AssertNoRunAsync(engine);
    }

    [Fact]
    public async Task A_conf_of_exactly_64_kb_is_accepted()
    {
        await using var engine = await EngineWithDagAsync();
        var padding = DagTriggerService.MaxConfBytes - Encoding.UTF8.GetByteCount("""{"table": "orders", "rows": ""}""");
        var conf = $$"""{"table": "orders", "rows": "{{new string('x', padding)}}"}""";

        var run = await TriggerAsync(engine, conf);

        await using var db = engine.CreateContext();
        Assert.Equal(padding, (await db.DagRuns.SingleAsync(r => r.RunId == run.RunId)).Conf!.Count(c => c == 'x'));
    }

    [Theory]
    [InlineData("""{"table": "a\u0000b"}""", "a NUL character, \\u0000")]
    [InlineData("""{"note\ud800": 1}""", "half of a surrogate pair, such as \\ud800")]
    [InlineData("""{"rows": ["ok", {"deep": "\udc00"}]}""", "half of a surrogate pair, such as \\ud800")]
    public async Task A_conf_with_text_postgresql_cannot_store_is_refused(string conf, string what)
    {
        await using var engine = await EngineWithDagAsync();

        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => TriggerAsync(engine, conf));

        Assert.Equal($"The conf holds text that cannot be stored ({what}): remove it.", refused.Message);
        await AssertNoRunAsync(engine);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9999)]
    public async Task A_logical_date_outside_the_years_a_run_may_have_is_refused(int year)
    {
        await using var engine = await EngineWithDagAsync();

        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => engine.Services.GetRequiredService<DagTriggerService>()
            .TriggerAsync(new TriggerRequest("export", new DateTimeOffset(year, 6, 1, 0, 0, 0, TimeSpan.Zero), null, Actors.Admin("lead"), DagRunTriggeredBy.Ui)));

        Assert.Equal($"The logical date {year:0000}-06-01 is outside the years 1900 to 2200 a run may have.", refused.Message);
        await AssertNoRunAsync(engine);
    }

    [Fact]
    public async Task A_conf_outside_the_params_schema_is_refused_with_every_problem_and_nothing_is_created()
    {
        await using var engine = await EngineWithDagAsync(ReportDag);

        var refused = await Assert.ThrowsAsync<ConfRefusedException>(() => TriggerAsync(engine, """{"region": "mars", "limit": 5000}""", "report"));

        Assert.Equal(
            "The conf does not match the DAG's params: param 'region': must be one of 'emea', 'apac', got 'mars'; param 'limit': must be at most 1000; "
            + "param 'as_of': is required and has no default: give it a value.",
            refused.Message);
        Assert.Equal(["region", "limit", "as_of"], refused.Problems.Select(p => p.Param));
        await AssertNoRunAsync(engine);
        await using var db = engine.CreateContext();
        Assert.Empty(await db.AuditLog.ToListAsync());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{}")]
    public async Task Without_a_conf_a_required_param_without_default_is_refused(string? conf)
    {
        await using var engine = await EngineWithDagAsync(ReportDag);

        var refused = await Assert.ThrowsAsync<ConfRefusedException>(() => TriggerAsync(engine, conf, "report"));

        Assert.Equal("param 'as_of': is required and has no default: give it a value", Assert.Single(refused.Problems).ToString());
        await AssertNoRunAsync(engine);
    }

    [Fact]
    public async Task A_conf_that_fits_is_stored_as_given_with_keys_no_param_declares()
    {
        await using var engine = await EngineWithDagAsync(ReportDag);

        var run = await TriggerAsync(engine, """{"as_of": "2026-11-30", "requested_by": "finance"}""", "report");

        await using var db = engine.CreateContext();
        var conf = (await db.DagRuns.SingleAsync(r => r.RunId == run.RunId)).Conf!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"as_of": "2026-11-30", "requested_by": "finance"}"""), JsonNode.Parse(conf)), conf);
    }

    [Fact]
    public async Task The_form_defaults_to_the_params_and_for_a_periodic_dag_the_latest_complete_interval()
    {
        await using var engine = await EngineWithDagAsync(ReportDag);
        await engine.AddDagAsync(Dag.Replace("\"@daily\"", "null", StringComparison.Ordinal), unpause: false);
        var service = new DagTriggerService(
            engine.Services.GetRequiredService<IDbContextFactory<DashboardDbContext>>(), engine.Services.GetRequiredService<DagVersionCache>(),
            new FixedClock(new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero)));

        var monthly = (await service.DefaultsAsync("report"))!;
        var manual = (await service.DefaultsAsync("export"))!;

        Assert.Equal(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), monthly.LogicalDate);
        Assert.Equal(["region", "limit", "as_of"], monthly.Params.Specs.Select(p => p.Name));
        Assert.Null(manual.LogicalDate);
        Assert.Equal("""{"table":"orders"}""", manual.Params.Defaults().ToJsonString());
        Assert.Null(await service.DefaultsAsync("nope"));
    }

    [Fact]
    public async Task Unpausing_on_trigger_unpauses_a_paused_dag_in_the_same_change_and_records_why()
    {
        await using var engine = await EngineWithDagAsync();
        var service = engine.Services.GetRequiredService<DagTriggerService>();

        var run = await service.TriggerAsync(new TriggerRequest("export", null, null, Actors.As(Role.Op, "oncall"), DagRunTriggeredBy.Ui, UnpauseDag: true));

        Assert.False(run.DagPaused);
        await using var db = engine.CreateContext();
        Assert.False(await db.Dags.Where(d => d.DagId == "export").Select(d => d.IsPaused).SingleAsync());
        var unpause = await db.AuditLog.SingleAsync(a => a.Action == "dag.unpause");
        Assert.Equal("oncall", unpause.Actor);
        Assert.Contains(run.RunId, unpause.Details);

        // Already unpaused: nothing more to record.
        await service.TriggerAsync(new TriggerRequest("export", null, null, Actors.As(Role.Op, "oncall"), DagRunTriggeredBy.Ui, UnpauseDag: true));
        Assert.Equal(1, await db.AuditLog.CountAsync(a => a.Action == "dag.unpause"));
    }

    [Fact]
    public async Task A_user_who_may_trigger_but_not_pause_cannot_unpause_through_a_trigger_and_nothing_is_created()
    {
        await using var engine = await EngineWithDagAsync();
        var service = engine.Services.GetRequiredService<DagTriggerService>();

        await Assert.ThrowsAsync<AccessDeniedException>(() =>
            service.TriggerAsync(new TriggerRequest("export", null, null, Actors.As(Role.User), DagRunTriggeredBy.Ui, UnpauseDag: true)));

        await AssertNoRunAsync(engine);
        var kept = await service.TriggerAsync(new TriggerRequest("export", null, null, Actors.As(Role.User), DagRunTriggeredBy.Ui));
        Assert.True(kept.DagPaused);
    }

    private static async Task<EngineHarness> EngineWithDagAsync(string yaml = Dag)
    {
        var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(yaml, unpause: false);
        return engine;
    }

    private static Task<TriggeredRun> TriggerAsync(EngineHarness engine, string? conf, string dagId = "export") =>
        engine.Services.GetRequiredService<DagTriggerService>().TriggerAsync(new TriggerRequest(dagId, null, conf, Actors.Admin("lead"), DagRunTriggeredBy.Ui));

    private static async Task AssertNoRunAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        Assert.Empty(await db.DagRuns.ToListAsync());
    }
}
