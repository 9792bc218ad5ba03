using Dashboard.Core.Domain;
using Dashboard.Testing;
using Dashboard.Web.Cli;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Web.Tests.Cli;

/// <summary><c>backfill create|list|pause|unpause|cancel</c> against a real database with a loaded DAG.</summary>
public sealed class BackfillCliTests : IAsyncLifetime
{
    private const string MonthlyDag = """
        dag_id: monthly
        schedule: "@monthly"
        start_date: 2024-01-01
        tasks:
          - {id: extract, kind: empty}
          - {id: load, kind: empty, upstream: extract}
        """;

    private static readonly string[] FirstQuarter = ["--dag-id", "monthly", "--from-date", "2024-01-01", "--to-date", "2024-03-31"];

    private EngineHarness _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await EngineHarness.CreateAsync();
        await _engine.AddDagAsync(MonthlyDag);
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    private static string Actor => $"cli:{Environment.UserName}";

    [Fact]
    public async Task A_dry_run_prints_the_parameters_and_the_runs_it_would_create_and_creates_nothing()
    {
        var outcome = await RunAsync(["backfill", "create", .. FirstQuarter, "--max-active-runs", "2", "--dry-run"]);

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal("", outcome.Error);
        var lines = outcome.OutLines;
        Assert.Equal("Dry run of a backfill; nothing is created.", lines[0]);
        Assert.Contains("from date:          2024-01-01 (UTC)", lines);
        Assert.Contains("to date:            2024-03-31 (UTC)", lines);
        Assert.Contains("max active runs:    2", lines);
        Assert.Contains("reprocess behavior: none", lines);
        Assert.Equal(
            ["2024-01-01          create", "2024-02-01          create", "2024-03-01          create"],
            lines.SkipWhile(l => !l.StartsWith("---", StringComparison.Ordinal)).Skip(1).Take(3));
        Assert.Equal("3 dates: 3 to create, 0 to re-run, 0 skipped.", lines[^1]);
        await using var db = _engine.CreateContext();
        Assert.False(await db.Backfills.AnyAsync());
        Assert.False(await db.AuditLog.AnyAsync(a => a.Action == "backfill.create"));
    }

    [Fact]
    public async Task A_backfill_is_created_with_its_runs_and_an_audit_row_naming_the_os_user()
    {
        var outcome = await RunAsync(["backfill", "create", .. FirstQuarter, "--max-active-runs", "1"]);

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        await using var db = _engine.CreateContext();
        var backfill = await db.Backfills.SingleAsync();
        Assert.Equal($"Created backfill #{backfill.Id} of DAG 'monthly': 3 runs created, 0 to re-run, 0 skipped.", outcome.OutLines.Single());
        Assert.Equal((Actor, 1), (backfill.TriggeringUserName, backfill.MaxActiveRuns));
        Assert.Equal(3, await db.DagRuns.CountAsync(r => r.BackfillId == backfill.Id && r.RunType == DagRunType.Backfill));
        var audit = await db.AuditLog.SingleAsync(a => a.Action == "backfill.create");
        Assert.Equal((Actor, "monthly", 3), (audit.Actor, audit.DagId, audit.AffectedCount));
    }

    [Fact]
    public async Task A_second_backfill_while_one_is_active_is_refused_with_the_services_message()
    {
        Assert.Equal(ExitCodes.Success, (await RunAsync(["backfill", "create", .. FirstQuarter])).ExitCode);

        var outcome = await RunAsync(["backfill", "create", .. FirstQuarter, "--reprocess-behavior", "completed"]);

        Assert.Equal(ExitCodes.Refused, outcome.ExitCode);
        Assert.Equal("", outcome.Out);
        Assert.StartsWith("--dag-id: DAG 'monthly' already has an active backfill (#", outcome.Error);
        await using var db = _engine.CreateContext();
        Assert.Equal(1, await db.Backfills.CountAsync());
    }

    [Fact]
    public async Task Every_broken_rule_is_reported_with_the_option_it_is_about()
    {
        var outcome = await RunAsync(["backfill", "create", "--dag-id", "monthly", "--from-date", "2024-03-01", "--to-date", "2024-01-01", "--max-active-runs", "0"]);

        Assert.Equal(ExitCodes.Refused, outcome.ExitCode);
        Assert.Equal(
            ["--to-date: The end date is before the start date.", "--max-active-runs: Max active runs must be between 1 and 1,000."],
            outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task An_unknown_dag_is_refused()
    {
        var outcome = await RunAsync(["backfill", "create", "--dag-id", "nope", "--from-date", "2024-01-01", "--to-date", "2024-01-31"]);

        Assert.Equal(ExitCodes.Refused, outcome.ExitCode);
        Assert.Equal("--dag-id: There is no DAG 'nope'.", outcome.Error.Trim());
    }

    [Fact]
    public async Task A_paused_dag_gets_a_warning_unless_unpause_is_given_which_unpauses_it()
    {
        await _engine.PauseAsync("monthly");

        var dryRun = await RunAsync(["backfill", "create", .. FirstQuarter, "--dry-run"]);
        Assert.Equal(ExitCodes.Success, dryRun.ExitCode);
        Assert.StartsWith("warning: DAG 'monthly' is paused, so the backfill's runs wait until it is unpaused (pass --unpause", dryRun.Error);

        var created = await RunAsync(["backfill", "create", .. FirstQuarter, "--unpause"]);
        Assert.Equal(ExitCodes.Success, created.ExitCode);
        Assert.Equal("", created.Error);
        Assert.Equal("Unpaused DAG 'monthly'.", created.OutLines[^1]);
        await using var db = _engine.CreateContext();
        Assert.False((await db.Dags.SingleAsync()).IsPaused);
    }

    [Fact]
    public async Task Nothing_to_do_is_said_and_is_no_failure()
    {
        Assert.Equal(ExitCodes.Success, (await RunAsync(["backfill", "create", .. FirstQuarter])).ExitCode);
        await CompleteBackfillsAsync();

        var outcome = await RunAsync(["backfill", "create", .. FirstQuarter]);

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.StartsWith("Nothing to do: all 3 runs in the range exist already", outcome.Out);
        await using var db = _engine.CreateContext();
        Assert.Equal(1, await db.Backfills.CountAsync());
    }

    [Fact]
    public async Task Dates_without_an_offset_are_read_in_the_dags_time_zone()
    {
        await _engine.AddDagAsync("""
            dag_id: amsterdam_daily
            schedule: "@daily"
            timezone: Europe/Amsterdam
            start_date: 2024-01-01
            tasks:
              - {id: a, kind: empty}
            """);

        var outcome = await RunAsync(["backfill", "create", "--dag-id", "amsterdam_daily", "--from-date", "2024-01-01", "--to-date", "2024-01-02", "--dry-run"]);

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Contains("dag time zone:      Europe/Amsterdam", outcome.OutLines);
        Assert.Contains("2023-12-31 23:00    create", outcome.OutLines);
        Assert.Contains("2024-01-01 23:00    create", outcome.OutLines);
        Assert.Equal("2 dates: 2 to create, 0 to re-run, 0 skipped.", outcome.OutLines[^1]);
    }

    [Fact]
    public async Task List_shows_every_backfill_and_filters_by_dag()
    {
        var empty = await RunAsync(["backfill", "list"]);
        Assert.Equal((ExitCodes.Success, "No backfills."), (empty.ExitCode, empty.Out.Trim()));

        await RunAsync(["backfill", "create", .. FirstQuarter, "--reprocess-behavior", "failed", "--max-active-runs", "2"]);
        var outcome = await RunAsync(["backfill", "list"]);

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        var lines = outcome.OutLines;
        Assert.Equal(["ID", "DAG", "FROM", "TO", "REPROCESS", "MAX", "ACTIVE", "STATUS", "DONE", "CREATED", "BY", "CREATED", "(UTC)"], Words(lines[0]));
        var row = Words(Assert.Single(lines.Skip(2)));
        Assert.Equal(["monthly", "2024-01-01", "2024-03-31", "failed", "2", "running", "0/3", Actor], row[1..9]);

        var other = await RunAsync(["backfill", "list", "--dag-id", "other"]);
        Assert.Equal("No backfills of DAG 'other'.", other.Out.Trim());
    }

    [Fact]
    public async Task Pause_unpause_and_cancel_act_on_one_backfill_by_id()
    {
        await RunAsync(["backfill", "create", .. FirstQuarter]);
        var id = (await SingleBackfillAsync()).Id;

        var pause = await RunAsync(["backfill", "pause", "--id", $"{id}"]);
        Assert.Equal($"Paused backfill #{id}: its queued runs wait until it is unpaused.", pause.Out.Trim());
        Assert.Equal("paused", Words((await RunAsync(["backfill", "list"])).OutLines[2])[6]);
        Assert.Equal($"Backfill #{id} was already paused.", (await RunAsync(["backfill", "pause", "--id", $"{id}"])).Out.Trim());

        var unpause = await RunAsync(["backfill", "unpause", "--id", $"{id}"]);
        Assert.Equal($"Unpaused backfill #{id}: its queued runs may start.", unpause.Out.Trim());

        var cancel = await RunAsync(["backfill", "cancel", "--id", $"{id}"]);
        Assert.Equal((ExitCodes.Success, $"Cancelled backfill #{id}: 3 queued runs failed; running runs finish."), (cancel.ExitCode, cancel.Out.Trim()));
        await using var db = _engine.CreateContext();
        Assert.All(await db.DagRuns.ToListAsync(), r => Assert.Equal(DagRunState.Failed, r.State));
        Assert.Equal(Actor, (await db.AuditLog.SingleAsync(a => a.Action == "backfill.cancel")).Actor);
    }

    [Fact]
    public async Task Acting_on_a_backfill_that_does_not_exist_or_is_complete_is_refused()
    {
        var missing = await RunAsync(["backfill", "cancel", "--id", "999"]);
        Assert.Equal((ExitCodes.Refused, "There is no backfill #999."), (missing.ExitCode, missing.Error.Trim()));

        await RunAsync(["backfill", "create", .. FirstQuarter]);
        await CompleteBackfillsAsync();
        var id = (await SingleBackfillAsync()).Id;

        var complete = await RunAsync(["backfill", "pause", "--id", $"{id}"]);
        Assert.Equal((ExitCodes.Refused, $"Backfill #{id} is complete, so it cannot be paused."), (complete.ExitCode, complete.Error.Trim()));
    }

    private Task<CliOutcome> RunAsync(string[] args) => CliRunner.RunAsync(_engine.ConnectionString, args);

    private async Task<Backfill> SingleBackfillAsync()
    {
        await using var db = _engine.CreateContext();
        return await db.Backfills.SingleAsync();
    }

    private async Task CompleteBackfillsAsync()
    {
        await _engine.RunUntilAsync(async () => (await _engine.RunsAsync("monthly")).All(r => r.State.IsFinished()));
        await _engine.Scheduler.RunOnceAsync(CancellationToken.None);
    }

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
