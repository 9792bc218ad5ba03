using System.Text;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Trigger;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Operations;

/// <summary>What a manual run's request may carry: a conf of bounded size with storable text, and a logical date a timetable can compute.</summary>
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

    private static async Task<EngineHarness> EngineWithDagAsync()
    {
        var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Dag, unpause: false);
        return engine;
    }

    private static Task<TriggeredRun> TriggerAsync(EngineHarness engine, string conf) =>
        engine.Services.GetRequiredService<DagTriggerService>().TriggerAsync(new TriggerRequest("export", null, conf, Actors.Admin("lead"), DagRunTriggeredBy.Ui));

    private static async Task AssertNoRunAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        Assert.Empty(await db.DagRuns.ToListAsync());
    }
}
