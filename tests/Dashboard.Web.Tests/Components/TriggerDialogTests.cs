using System.Text.Json.Nodes;
using AngleSharp.Dom;
using Bunit;
using Dashboard.Core.Domain;
using Dashboard.Core.Queries;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Components.Dialogs;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The trigger form: a field per param drawn from the DAG's schema, each showing the problems the
/// trigger's own validation finds with it; the raw JSON beside the fields, sharing their values; a
/// logical date that starts at the latest complete interval; and nothing created for a refused conf.
/// </summary>
public sealed class TriggerDialogTests : ComponentTest
{
    private const string ReportDagId = "report";

    private const string ReportDag = """
        dag_id: report
        schedule: "@monthly"
        start_date: 2024-01-01
        params:
          region:
            type: string
            enum: [emea, apac]
            default: emea
            title: Region
            description: Whose sales the report covers
          limit: {type: integer, minimum: 1, maximum: 10000, default: 500, title: Rows}
          as_of: {type: string, format: date, required: true, title: As of}
          dry_run: {type: boolean, default: false, description: Only show what would be exported}
          note: {type: string, maxLength: 20, default: "", title: Note}
          tables: {type: array, default: [orders]}
        tasks:
          - {id: export, kind: empty}
        """;

    /// <summary>"Now" for the tests that read the default logical date: a fixed instant on the engine's clock.</summary>
    private static readonly DateTimeOffset Now = new(2027, 3, 15, 10, 0, 0, TimeSpan.Zero);

    private IRenderedComponent<MudDialogProvider> _provider = null!;
    private Task<string?> _triggered = null!;

    private async Task OpenAsync(string dagId = PipelineDag.DagId)
    {
        var header = await Services.GetRequiredService<DagRunsQuery>().HeaderAsync(dagId);
        (_provider, _triggered) = await OpenDialogAsync(services => TriggerDialog.ShowAsync(services.GetRequiredService<IDialogService>(), header!));
        await _provider.WaitForAssertionAsync(() => Assert.False(Find("trigger-confirm").HasAttribute("disabled")));
    }

    private async Task OpenReportAsync()
    {
        var engine = await UseEngineAsync();
        await engine.AddDagAsync(ReportDag, unpause: false);
        await OpenAsync(ReportDagId);
    }

    private IElement Find(string testId) => _provider.Find($"[data-testid='{testId}']");

    /// <summary>The input of a param's field.</summary>
    private IElement Input(string param) => _provider.Find($"[data-testid='param-{param}'] input, [data-testid='param-{param}'] textarea");

    /// <summary>Types into a field as a browser does when it is left.</summary>
    private async Task TypeAsync(IElement input, string text)
    {
        await input.ChangeAsync(new ChangeEventArgs { Value = text });
        await input.BlurAsync(new FocusEventArgs());
    }

    /// <summary>The problem shown under a param's field: MudBlazor's error text, or the switch's own line.</summary>
    private string? FieldError(string param) =>
        _provider.FindAll($"[data-testid='param-{param}'] .mud-input-helper-text.mud-input-error, [data-testid='param-{param}'] .field-error")
            .FirstOrDefault()?.TextContent.Trim();

    private string RawConf => Find("trigger-conf").GetAttribute("value") ?? Find("trigger-conf").TextContent;

    private async Task SwitchToRawAsync(bool raw)
    {
        await Find("trigger-raw").ChangeAsync(new ChangeEventArgs { Value = raw });
        await _provider.WaitForAssertionAsync(() => Assert.Equal(raw, _provider.FindAll("[data-testid='trigger-conf']").Count == 1));
    }

    private void Trigger() => Find("trigger-confirm").Click();

    private void SetNow(EngineHarness engine) => engine.Clock.Advance(Now - engine.Clock.GetUtcNow());

    private async Task<List<DagRun>> RunsAsync(string dagId = PipelineDag.DagId)
    {
        await using var db = Engine.CreateContext();
        return await db.DagRuns.AsNoTracking().Where(r => r.DagId == dagId).OrderBy(r => r.Id).ToListAsync();
    }

    [Fact]
    public async Task Each_param_gets_a_field_of_its_kind_with_its_title_help_default_and_limits()
    {
        await OpenReportAsync();

        Assert.Equal(
            ["region select", "limit number", "as_of date", "dry_run switch", "note text", "tables json"],
            _provider.FindAll(".param-field").Select(f => $"{f.GetAttribute("data-testid")!["param-".Length..]} {f.GetAttribute("data-kind")}"));
        var region = Find("param-region");
        Assert.Contains("Region", region.TextContent);
        Assert.Contains("Whose sales the report covers", region.TextContent);
        Assert.Equal("emea", Input("region").GetAttribute("value"));
        Assert.Equal("500", Input("limit").GetAttribute("value"));
        Assert.Contains("Rows", Find("param-limit").TextContent);
        Assert.Contains("1 to 10000", Find("param-limit").TextContent);
        Assert.Contains("As of *", Find("param-as_of").TextContent); // required, and no default to fall back on
        Assert.Equal("", Input("as_of").GetAttribute("value") ?? "");
        Assert.Contains("Only show what would be exported", Find("param-dry_run").TextContent);
        Assert.Equal("20", Input("note").GetAttribute("maxlength"));
        Assert.Contains("[\"orders\"]", Input("tables").GetAttribute("value") ?? Input("tables").TextContent);
        Assert.Null(FieldError("as_of")); // nothing is wrong until the person acts
    }

    [Fact]
    public async Task A_paused_dag_is_unpaused_with_its_trigger_by_default()
    {
        var engine = await UseEngineAsync();
        await engine.AddDagAsync(ReportDag.Replace("required: true", "default: 2027-01-31"), unpause: false);
        SignInAs(Role.Op);
        await OpenAsync(ReportDagId);

        var box = Find("trigger-unpause-dag");
        Assert.True((box.TagName == "INPUT" ? box : box.QuerySelector("input"))!.HasAttribute("checked"), box.OuterHtml);
        Trigger();

        await _triggered;
        await using var db = engine.CreateContext();
        Assert.False(await db.Dags.Where(d => d.DagId == ReportDagId).Select(d => d.IsPaused).SingleAsync());
    }

    [Fact]
    public async Task Who_may_trigger_but_not_pause_is_not_offered_the_unpause()
    {
        var engine = await UseEngineAsync();
        await engine.AddDagAsync(ReportDag, unpause: false);
        SignInAs(Role.User);
        await OpenAsync(ReportDagId);

        Assert.Empty(_provider.FindAll("[data-testid='trigger-unpause-dag']"));
    }

    [Fact]
    public async Task A_refused_conf_shows_each_problem_under_its_field_and_creates_no_run()
    {
        await OpenReportAsync();

        await TypeAsync(Input("tables"), "orders");
        await _provider.WaitForAssertionAsync(() => Assert.Equal("must be a list, got a string", FieldError("tables")));
        Trigger();

        await _provider.WaitForAssertionAsync(() => Assert.Equal("is required and has no default: give it a value", FieldError("as_of")));
        Assert.Equal("must be a list, got a string", FieldError("tables"));
        Assert.Null(FieldError("limit"));
        Assert.Equal("Nothing was triggered: the params marked in red do not fit the DAG's params.", Find("trigger-error").TextContent.Trim());
        Assert.False(_triggered.IsCompleted);
        Assert.Empty(await RunsAsync(ReportDagId));

        // What the raw JSON got wrong shows on the fields once they are back.
        await SwitchToRawAsync(true);
        await Find("trigger-conf").ChangeAsync(new ChangeEventArgs { Value = """{"region": "mars", "limit": 20000, "as_of": "2027-02-30"}""" });
        await SwitchToRawAsync(false);
        await _provider.WaitForAssertionAsync(() => Assert.Equal("must be one of 'emea', 'apac', got 'mars'", FieldError("region")));
        Assert.Equal("must be at most 10000", FieldError("limit"));
        Assert.Equal("must be a date such as 2024-01-31, got '2027-02-30'", FieldError("as_of"));
        Assert.Null(FieldError("tables")); // left out of the raw JSON, it takes its default
    }

    [Fact]
    public async Task The_raw_json_and_the_fields_share_their_values_and_the_run_gets_them()
    {
        await OpenReportAsync();
        await TypeAsync(Input("note"), "for finance");
        Input("as_of").Change("2027-02-28");
        await Find("param-dry_run").QuerySelector("input")!.ChangeAsync(new ChangeEventArgs { Value = true });

        await SwitchToRawAsync(true);
        var shown = JsonNode.Parse(RawConf)!;
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"region": "emea", "limit": 500, "dry_run": true, "note": "for finance", "tables": ["orders"], "as_of": "2027-02-28"}"""), shown), RawConf);

        await Find("trigger-conf").ChangeAsync(new ChangeEventArgs { Value = """{"limit": 42, "as_of": "2027-01-31", "note": "for finance", "requested_by": "cfo"}""" });
        await SwitchToRawAsync(false);
        await _provider.WaitForAssertionAsync(() => Assert.Equal("42", Input("limit").GetAttribute("value")));
        Assert.Equal("2027-01-31", Input("as_of").GetAttribute("value"));
        Assert.Equal("for finance", Input("note").GetAttribute("value"));
        await TypeAsync(Input("limit"), "43");

        await SwitchToRawAsync(true);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"limit": 43, "as_of": "2027-01-31", "note": "for finance", "requested_by": "cfo"}"""), JsonNode.Parse(RawConf)), RawConf);
        await SwitchToRawAsync(false);
        Trigger();

        var runId = await _triggered.WaitAsync(DefaultWaitTimeout);
        var run = (await RunsAsync(ReportDagId)).Single(r => r.RunId == runId);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"limit": 43, "as_of": "2027-01-31", "note": "for finance", "requested_by": "cfo"}"""), JsonNode.Parse(run.Conf)), run.Conf);
    }

    [Fact]
    public async Task For_a_monthly_dag_the_logical_date_starts_at_the_latest_complete_month()
    {
        var engine = await UseEngineAsync();
        await engine.AddDagAsync(ReportDag, unpause: false);
        SetNow(engine);
        await OpenAsync(ReportDagId);

        Assert.Equal("2027-02-01", Find("trigger-date").QuerySelector("input")!.GetAttribute("value"));
        Assert.Contains("latest complete interval, 2027-02-01 00:00 UTC", Find("trigger-date-hint").TextContent);
        Input("as_of").Change("2027-02-28");
        await _provider.WaitForAssertionAsync(() => Assert.Equal("2027-02-28", Input("as_of").GetAttribute("value")));
        Trigger();

        var runId = await _triggered.WaitAsync(DefaultWaitTimeout);
        Assert.Equal("manual__2027-02-01T00:00:00+00:00", runId);
        var run = (await RunsAsync(ReportDagId)).Single();
        Assert.Equal((new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero)),
            (run.DataIntervalStart, run.DataIntervalEnd));
    }

    [Fact]
    public async Task A_manual_only_dag_starts_without_a_logical_date_and_triggers_without_one()
    {
        var engine = await UseEngineAsync();
        await engine.AddDagAsync(ReportDag.Replace("\"@monthly\"", "null", StringComparison.Ordinal), unpause: false);
        SetNow(engine);
        await OpenAsync(ReportDagId);

        Assert.Equal("", Find("trigger-date").QuerySelector("input")!.GetAttribute("value") ?? "");
        Assert.True(Find("trigger-time").HasAttribute("disabled"));
        Assert.Contains("Without a logical date the run has no data interval", Find("trigger-date-hint").TextContent);
        Input("as_of").Change("2027-02-28");
        await _provider.WaitForAssertionAsync(() => Assert.Equal("2027-02-28", Input("as_of").GetAttribute("value")));
        Trigger();

        var runId = await _triggered.WaitAsync(DefaultWaitTimeout);
        Assert.StartsWith("manual__", runId);
        var run = (await RunsAsync(ReportDagId)).Single();
        Assert.Equal((null, null), (run.LogicalDate, run.DataIntervalStart));
    }

    [Theory]
    [InlineData("{\"city\": ", "The conf is not valid JSON:")]
    [InlineData("\"nyc\"", "The conf must be a JSON object, such as {\"city\": \"nyc\"}.")]
    [InlineData("{\"limit\": \"ten\"}", "The conf does not match the DAG's params: param 'limit': must be a number, got a string.")]
    public async Task A_raw_conf_the_dag_cannot_take_is_refused_in_the_dialog_and_creates_no_run(string conf, string error)
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await OpenAsync();
        var before = await RunsAsync();

        await SwitchToRawAsync(true);
        await Find("trigger-conf").ChangeAsync(new ChangeEventArgs { Value = conf });
        Trigger();

        await _provider.WaitForAssertionAsync(() => Assert.StartsWith(error, Find("trigger-error").TextContent.Trim()));
        Assert.False(_triggered.IsCompleted);
        Assert.Equal(before.Count, (await RunsAsync()).Count);
    }

    [Fact]
    public async Task A_date_and_time_make_the_logical_date_of_the_run_it_triggers_with_the_params_as_edited()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await OpenAsync();
        Assert.Equal(("nyc", "10"), (Input("city").GetAttribute("value"), Input("limit").GetAttribute("value")));

        Find("trigger-date").QuerySelector("input")!.Change("2026-11-20");
        await _provider.WaitForAssertionAsync(() => Assert.False(Find("trigger-time").HasAttribute("disabled")));
        await Find("trigger-time").ChangeAsync(new ChangeEventArgs { Value = "06:30" });
        await TypeAsync(Input("city"), "ams");
        await TypeAsync(Input("limit"), "3");
        Trigger();

        var runId = await _triggered.WaitAsync(DefaultWaitTimeout);
        Assert.Equal("manual__2026-11-20T06:30:00+00:00", runId);
        var run = (await RunsAsync()).Single(r => r.RunId == runId);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 6, 30, 0, TimeSpan.Zero), run.LogicalDate);
        Assert.Equal((DagRunType.Manual, DagRunState.Queued, "pat"), (run.RunType, run.State, run.TriggeringUserName));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("{\"city\": \"ams\", \"limit\": 3}"), JsonNode.Parse(run.Conf)), run.Conf);
        await using var db = Engine.CreateContext();
        Assert.Equal([runId!], (await db.AuditLog.SingleAsync(a => a.Action == "dag_run.trigger")).RunIds);
    }

    [Fact]
    public async Task A_logical_date_that_already_has_a_run_is_refused_naming_that_run()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await OpenAsync();
        var before = await RunsAsync();

        Find("trigger-date").QuerySelector("input")!.Change("2026-01-02");
        await _provider.WaitForAssertionAsync(() => Assert.Equal("2026-01-02", Find("trigger-date").QuerySelector("input")!.GetAttribute("value")));
        Trigger();

        await _provider.WaitForAssertionAsync(() => Assert.Equal(
            $"DAG 'pipeline' already has a run for logical date 2026-01-02 00:00:00 UTC ({PipelineDag.Runs["d2"]}). Clear that run to run it again.",
            Find("trigger-error").TextContent.Trim()));
        Assert.Equal(before.Count, (await RunsAsync()).Count);
    }

    [Fact]
    public async Task With_the_date_cleared_the_run_has_no_logical_date()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await OpenAsync();
        Assert.NotEqual("", Find("trigger-date").QuerySelector("input")!.GetAttribute("value") ?? ""); // a daily DAG starts with yesterday

        Find("trigger-date").QuerySelector("input")!.Change("");
        await _provider.WaitForAssertionAsync(() => Assert.True(Find("trigger-time").HasAttribute("disabled")));
        Trigger();

        var runId = await _triggered.WaitAsync(DefaultWaitTimeout);
        Assert.StartsWith("manual__", runId);
        var run = (await RunsAsync()).Single(r => r.RunId == runId);
        Assert.Equal((null, null), (run.LogicalDate, run.DataIntervalStart));
    }
}
