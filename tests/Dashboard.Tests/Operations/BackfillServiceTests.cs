using System.Text.Json;
using Dashboard.Core.Domain;
using Dashboard.Core.Domain.Timetables;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Backfill;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Tests.Operations;

/// <summary>
/// The backfill plan (rules, reprocess table, slot order) as the preview shows it and the create
/// applies it, and what the create writes. The scheduler's side is in <see cref="BackfillSchedulingTests"/>.
/// </summary>
public sealed class BackfillServiceTests
{
    private const string DailyDag = """
        dag_id: daily
        schedule: "@daily"
        start_date: 2020-01-01
        params: {city: nyc}
        default_args: {retries: 1}
        tasks:
          - {id: extract, kind: empty}
          - {id: load, kind: empty, upstream: extract}
        """;

    private static readonly DateTimeOffset March1 = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);

    // ---- Rules: each refused with its field and message, and nothing written ----

    [Fact]
    public async Task A_range_that_ends_before_it_starts_is_refused()
    {
        await using var engine = await EngineWithDailyDagAsync();

        await AssertRefusedAsync(engine, Request(March1.AddDays(2), March1),
            (BackfillField.ToDate, "The end date is before the start date."));
    }

    [Fact]
    public async Task A_range_wholly_in_the_future_is_refused()
    {
        await using var engine = await EngineWithDailyDagAsync();

        await AssertRefusedAsync(engine, Request(engine.Today.AddDays(2), engine.Today.AddDays(5)),
            (BackfillField.FromDate, "Backfill cannot run for future dates: the range starts after now."));
    }

    [Fact]
    public async Task An_unknown_dag_is_refused()
    {
        await using var engine = await EngineWithDailyDagAsync();

        await AssertRefusedAsync(engine, Request(March1, March1.AddDays(2)) with { DagId = "nope" },
            (BackfillField.Dag, "There is no DAG 'nope'."));
    }

    [Fact]
    public async Task A_dag_whose_file_is_gone_is_refused()
    {
        await using var engine = await EngineWithDailyDagAsync();
        engine.DeleteDagFile("daily.yaml");
        await engine.ProcessDagFilesAsync();

        await AssertRefusedAsync(engine, Request(March1, March1.AddDays(2)),
            (BackfillField.Dag, "DAG 'daily' cannot run: its file is gone or was never loaded."));
    }

    [Theory]
    [InlineData("null", "manual runs only")]
    [InlineData("\"@once\"", "@once")]
    public async Task A_dag_without_a_periodic_schedule_is_refused(string schedule, string described)
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync($$"""
            dag_id: daily
            schedule: {{schedule}}
            start_date: 2020-01-01
            tasks:
              - {id: extract, kind: empty}
            """, unpause: false);

        await AssertRefusedAsync(engine, Request(March1, March1.AddDays(2)),
            (BackfillField.Dag, $"DAG 'daily' has no periodic schedule ({described}), so it has no intervals to backfill."));
    }

    [Fact]
    public async Task A_second_active_backfill_for_the_dag_is_refused()
    {
        await using var engine = await EngineWithDailyDagAsync();
        var first = await Service(engine).CreateAsync(Request(March1, March1.AddDays(2)));

        await AssertRefusedAsync(engine, Request(March1.AddDays(10), March1.AddDays(12)),
            (BackfillField.Dag, $"DAG 'daily' already has an active backfill (#{first.Id}, 2024-03-01 to 2024-03-03): wait for it to complete, or cancel it."));
    }

    [Theory]
    [InlineData("depends_on_past: true")]
    [InlineData("wait_for_downstream: true")]
    public async Task Running_backwards_over_tasks_that_depend_on_their_past_is_refused(string dependency)
    {
        await using var engine = await EngineWithPastDependencyAsync(dependency);

        await AssertRefusedAsync(engine, Request(March1, March1.AddDays(2)) with { RunBackwards = true, Reprocess = ReprocessBehavior.Failed },
            (BackfillField.RunBackwards, "This DAG has tasks that depend on their past runs, so it cannot be backfilled backwards."));
    }

    [Theory]
    [InlineData("depends_on_past: true")]
    [InlineData("wait_for_downstream: true")]
    public async Task Only_missing_runs_of_tasks_that_depend_on_their_past_is_refused(string dependency)
    {
        await using var engine = await EngineWithPastDependencyAsync(dependency);

        await AssertRefusedAsync(engine, Request(March1, March1.AddDays(2)),
            (BackfillField.Reprocess,
                "This DAG has tasks that depend on their past runs: choose \"Missing and errored runs\" (failed) or \"All runs\" (completed) so the history they depend on is complete."));
    }

    [Theory]
    [InlineData("[1, 2]", "The conf must be a JSON object, such as {\"city\": \"nyc\"}.")]
    [InlineData("{\"city\": 5}", "The conf does not match the DAG's params: param 'city': must be a string, got a number.")]
    [InlineData("{\"city\": \"a\\u0000b\"}", "The conf holds text that cannot be stored (a NUL character, \\u0000): remove it.")]
    public async Task A_conf_the_dag_params_do_not_accept_is_refused(string conf, string message)
    {
        await using var engine = await EngineWithDailyDagAsync();

        await AssertRefusedAsync(engine, Request(March1, March1.AddDays(2)) with { ConfJson = conf }, (BackfillField.Conf, message));
    }

    [Fact]
    public async Task A_conf_outside_the_params_schema_is_refused_with_every_problem_and_nothing_is_created()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync("""
            dag_id: daily
            schedule: "@daily"
            start_date: 2020-01-01
            params:
              region: {type: string, enum: [emea, apac], default: emea}
              limit: {type: integer, minimum: 1, maximum: 1000, default: 100}
            tasks:
              - {id: extract, kind: empty}
            """, unpause: false);

        await AssertRefusedAsync(engine, Request(March1, March1.AddDays(2)) with { ConfJson = """{"region": "mars", "limit": 0}""" },
            (BackfillField.Conf,
                "The conf does not match the DAG's params: param 'region': must be one of 'emea', 'apac', got 'mars'; param 'limit': must be at least 1."));
    }

    [Fact]
    public async Task A_conf_over_64_kb_is_refused_with_its_size_instead_of_being_copied_into_every_run()
    {
        await using var engine = await EngineWithDailyDagAsync();
        var conf = $$"""{"city": "nyc", "rows": "{{new string('x', 120_000)}}"}""";

        await AssertRefusedAsync(engine, Request(March1, March1.AddDays(2)) with { ConfJson = conf },
            (BackfillField.Conf, "The conf is 120,027 bytes, more than the 65,536 bytes (64 KB) a run's conf may have: pass a path or a key to the data instead of the data itself."));
    }

    [Fact]
    public async Task More_runs_than_the_configured_cap_are_refused_with_their_count()
    {
        await using var engine = await EngineWithDailyDagAsync();
        var capped = new BackfillService(
            engine.Services.GetRequiredService<IDbContextFactory<DashboardDbContext>>(),
            engine.Services.GetRequiredService<Dashboard.Core.Operations.Versions.RerunVersionPlanner>(), engine.Clock,
            Options.Create(new BackfillOptions { MaxRuns = 5 }));

        await AssertRefusedAsync(engine, capped, Request(March1, March1.AddDays(5)),
            (BackfillField.ToDate, "The range holds 6 runs, more than the limit of 5 per backfill: narrow the range."));
        Assert.Equal(5, (await capped.PreviewAsync(Request(March1, March1.AddDays(4)))).ToCreate);
    }

    [Fact]
    public async Task The_default_cap_is_1000_runs()
    {
        await using var engine = await EngineWithDailyDagAsync();
        var from = new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero);

        await AssertRefusedAsync(engine, Request(from, from.AddDays(1_000)),
            (BackfillField.ToDate, "The range holds 1,001 runs, more than the limit of 1,000 per backfill: narrow the range."));
        Assert.Equal(1_000, (await Service(engine).PreviewAsync(Request(from, from.AddDays(999)))).ToCreate);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_001)]
    public async Task Max_active_runs_outside_1_to_1000_is_refused(int maxActiveRuns)
    {
        await using var engine = await EngineWithDailyDagAsync();

        await AssertRefusedAsync(engine, Request(March1, March1.AddDays(2)) with { MaxActiveRuns = maxActiveRuns },
            (BackfillField.MaxActiveRuns, "Max active runs must be between 1 and 1,000."));
    }

    [Fact]
    public async Task Every_broken_rule_is_reported_at_once_each_with_its_field()
    {
        await using var engine = await EngineWithPastDependencyAsync("depends_on_past: true");
        var active = await Service(engine).CreateAsync(Request(March1, March1) with { Reprocess = ReprocessBehavior.Failed });

        await AssertRefusedAsync(engine, Request(March1.AddDays(2), March1) with { RunBackwards = true, ConfJson = "[]", MaxActiveRuns = 0 },
            (BackfillField.ToDate, "The end date is before the start date."),
            (BackfillField.MaxActiveRuns, "Max active runs must be between 1 and 1,000."),
            (BackfillField.Conf, "The conf must be a JSON object, such as {\"city\": \"nyc\"}."),
            (BackfillField.RunBackwards, "This DAG has tasks that depend on their past runs, so it cannot be backfilled backwards."),
            (BackfillField.Reprocess,
                "This DAG has tasks that depend on their past runs: choose \"Missing and errored runs\" (failed) or \"All runs\" (completed) so the history they depend on is complete."),
            (BackfillField.Dag, $"DAG 'daily' already has an active backfill (#{active.Id}, 2024-03-01 to 2024-03-01): wait for it to complete, or cancel it."));
    }

    [Fact]
    public async Task A_range_in_which_no_interval_has_ended_has_nothing_to_backfill()
    {
        await using var engine = await EngineWithDailyDagAsync();
        var request = Request(engine.Today, engine.Today);

        var plan = await Service(engine).PreviewAsync(request);

        Assert.Empty(plan.Problems);
        Assert.Empty(plan.Slots);
        const string Message = "No data interval of this DAG that has ended starts in this range: there is nothing to backfill.";
        Assert.Equal(Message, plan.Blocker);
        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => Service(engine).CreateAsync(request));
        Assert.Equal(Message, refused.Message);
        await AssertNothingWrittenAsync(engine, new Written(0, 0, 0, 0, 0));
    }

    // ---- The reprocess table ----

    /// <summary>What each reprocess behaviour does with the five slots of <see cref="SeedReprocessRangeAsync"/>.</summary>
    public static TheoryData<ReprocessBehavior, string[]> ReprocessTable => new()
    {
        //                              success                 failed                  running            queued             missing
        { ReprocessBehavior.None,      ["skip: already exists", "skip: already exists", "skip: in flight", "skip: in flight", "create"] },
        { ReprocessBehavior.Failed,    ["skip: already exists", "rerun",                "skip: in flight", "skip: in flight", "create"] },
        { ReprocessBehavior.Completed, ["rerun",                "rerun",                "skip: in flight", "skip: in flight", "create"] },
    };

    [Theory]
    [MemberData(nameof(ReprocessTable))]
    public async Task Each_reprocess_behaviour_creates_reruns_or_skips_each_slot_and_the_create_does_what_the_preview_said(
        ReprocessBehavior reprocess, string[] expected)
    {
        await using var engine = await EngineWithDailyDagAsync();
        var days = await SeedReprocessRangeAsync(engine);
        var service = Service(engine);
        var request = Request(days[0], days[^1]) with { Reprocess = reprocess };
        var before = await SnapshotAsync(engine);

        var plan = await service.PreviewAsync(request);

        Assert.Empty(plan.Problems);
        Assert.Equal(days, plan.Slots.Select(s => s.LogicalDate));
        Assert.Equal(expected, plan.Slots.Select(Describe));
        Assert.Equal(
            ["scheduled__2024-03-01T00:00:00+00:00", "scheduled__2024-03-02T00:00:00+00:00", "scheduled__2024-03-03T00:00:00+00:00",
                "scheduled__2024-03-04T00:00:00+00:00", null],
            plan.Slots.Select(s => s.ExistingRunId));

        var created = await service.CreateAsync(request);

        Assert.Equal((Count("create"), Count("rerun"), Count("skip")), (created.Created, created.Rerun, created.Skipped));
        var after = await SnapshotAsync(engine);
        var now = engine.Clock.GetUtcNow();
        for (var i = 0; i < days.Count; i++)
        {
            var run = after.Runs[days[i]];
            var tasks = after.Tasks.Where(t => t.DagRunId == run.Id).OrderBy(t => t.TaskId).ToList();
            switch (expected[i])
            {
                case "create":
                    Assert.Equal(("backfill__2024-03-05T00:00:00+00:00", DagRunType.Backfill, DagRunTriggeredBy.Backfill, created.Id, DagRunState.Queued, 0, "lead"),
                        (run.RunId, run.RunType, run.TriggeredBy, run.BackfillId, run.State, run.ClearNumber, run.TriggeringUserName));
                    Assert.Equal((days[i], days[i].AddDays(1)), (run.DataIntervalStart, run.DataIntervalEnd));
                    Assert.Equal([("extract", null, 0), ("load", null, 0)], tasks.Select(t => (t.TaskId, t.State, t.TryNumber)));
                    break;
                case "rerun":
                    var old = before.Runs[days[i]];
                    Assert.Equal((old.RunId, DagRunType.Backfill, DagRunTriggeredBy.Backfill, created.Id, DagRunState.Queued, old.ClearNumber + 1),
                        (run.RunId, run.RunType, run.TriggeredBy, run.BackfillId, run.State, run.ClearNumber));
                    Assert.Equal((null, null), (run.StartDate, run.EndDate));
                    Assert.True(run.QueuedAt >= now.AddMinutes(-1), "a re-run is queued anew");
                    var oldTasks = before.Tasks.Where(t => t.DagRunId == run.Id).OrderBy(t => t.TaskId).ToList();
                    Assert.Equal(oldTasks.Select(t => (t.TaskId, (TaskInstanceState?)null, t.TryNumber, t.TryNumber + 1, (DateTimeOffset?)null)),
                        tasks.Select(t => (t.TaskId, t.State, t.TryNumber, t.MaxTries, t.StartDate)));
                    Assert.Equal(oldTasks.Select(t => (t.Id, t.TryNumber, t.State)),
                        after.History.Where(h => h.DagRunId == run.Id).OrderBy(h => h.TaskId).Select(h => (h.TaskInstanceId, h.TryNumber, h.State)));
                    break;
                default:
                    Assert.Equal(Row(before.Runs[days[i]]), Row(run));
                    Assert.Equal(before.Tasks.Where(t => t.DagRunId == run.Id).Select(TaskRow), tasks.Select(TaskRow));
                    Assert.DoesNotContain(after.History, h => h.DagRunId == run.Id);
                    break;
            }
        }

        await using var db = engine.CreateContext();
        var slots = await db.BackfillDagRuns.Where(s => s.BackfillId == created.Id).OrderBy(s => s.SortOrdinal).ToListAsync();
        Assert.Equal(
            days.Select((day, i) => (day, expected[i].StartsWith("skip") ? null : (long?)after.Runs[day].Id,
                expected[i].StartsWith("skip: ") ? expected[i]["skip: ".Length..] : null, i + 1)),
            slots.Select(s => (s.LogicalDate, s.DagRunId, s.ExceptionReason, s.SortOrdinal)));

        var backfill = await db.Backfills.SingleAsync();
        Assert.Equal((reprocess, 1, false, false, (DateTimeOffset?)null, "lead"),
            (backfill.ReprocessBehavior, backfill.MaxActiveRuns, backfill.IsPaused, backfill.RunBackwards, backfill.CompletedAt, backfill.TriggeringUserName));
        var audit = await db.AuditLog.SingleAsync();
        Assert.Equal(("lead", "backfill.create", "daily", created.Created + created.Rerun), (audit.Actor, audit.Action, audit.DagId, audit.AffectedCount));
        using var details = JsonDocument.Parse(audit.Details);
        Assert.Equal(created.Id, details.RootElement.GetProperty("backfill_id").GetInt32());
        Assert.Equal(SnakeCase.ToSnakeCase(reprocess), details.RootElement.GetProperty("reprocess_behavior").GetString());
        Assert.Equal((created.Created, created.Rerun, created.Skipped),
            (details.RootElement.GetProperty("created").GetInt32(), details.RootElement.GetProperty("rerun").GetInt32(),
                details.RootElement.GetProperty("skipped").GetInt32()));

        int Count(string action) => expected.Count(e => e.StartsWith(action));
    }

    [Fact]
    public async Task A_backwards_backfill_numbers_its_slots_newest_first()
    {
        await using var engine = await EngineWithDailyDagAsync();
        var request = Request(March1, March1.AddDays(3)) with { RunBackwards = true };

        var plan = await Service(engine).PreviewAsync(request);
        var created = await Service(engine).CreateAsync(request);

        var newestFirst = Enumerable.Range(0, 4).Select(i => March1.AddDays(3 - i)).ToList();
        Assert.Equal(newestFirst, plan.Slots.Select(s => s.LogicalDate));
        await using var db = engine.CreateContext();
        var slots = await db.BackfillDagRuns.Where(s => s.BackfillId == created.Id).OrderBy(s => s.SortOrdinal).ToListAsync();
        Assert.Equal(newestFirst.Select((day, i) => (day, i + 1)), slots.Select(s => (s.LogicalDate, s.SortOrdinal)));
        Assert.True((await db.Backfills.SingleAsync()).RunBackwards);
    }

    [Fact]
    public async Task A_conf_goes_to_the_created_runs_and_the_backfill()
    {
        await using var engine = await EngineWithDailyDagAsync();

        var created = await Service(engine).CreateAsync(Request(March1, March1.AddDays(1)) with { ConfJson = """{"city": "oslo"}""" });

        await using var db = engine.CreateContext();
        Assert.Equal(["oslo", "oslo"], (await db.DagRuns.Select(r => r.Conf).ToListAsync()).Select(City));
        Assert.Equal("oslo", City((await db.Backfills.SingleAsync(b => b.Id == created.Id)).DagRunConf));

        static string? City(string conf)
        {
            using var json = JsonDocument.Parse(conf);
            return json.RootElement.GetProperty("city").GetString();
        }
    }

    /// <summary>
    /// Airflow's <c>_handle_clear_run</c>: a conf given to the backfill replaces the conf of the runs
    /// it re-runs, an empty one too; without one they keep their own.
    /// </summary>
    [Fact]
    public async Task A_rerun_keeps_its_conf_when_none_is_given_and_takes_a_given_one_even_an_empty_one()
    {
        await using var engine = await EngineWithDailyDagAsync();
        var service = Service(engine);
        var days = new[] { March1, March1.AddDays(1) };
        await engine.CreateRunsAsync("daily",
            [.. days.Select(day => EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day, day.AddDays(1))) with { Conf = """{"city": "ams"}""" })]);
        await FinishRunsAsync(engine, "failed");
        var request = Request(March1, March1.AddDays(2)) with { Reprocess = ReprocessBehavior.Failed };

        var kept = await service.CreateAsync(request with { ConfJson = "  " });

        Assert.Equal((1, 2), (kept.Created, kept.Rerun));
        Assert.Equal(["ams", "ams", null], await CitiesAsync(engine));
        Assert.Equal(JsonValueKind.Null, await AuditedConfKindAsync(engine, kept.Id));

        await service.CancelAsync(kept.Id, Actors.Admin("lead")); // its queued runs fail, so the next backfill re-runs them all
        var replaced = await service.CreateAsync(request with { ConfJson = "{}" });

        Assert.Equal((0, 3), (replaced.Created, replaced.Rerun));
        Assert.Equal([null, null, null], await CitiesAsync(engine));
        await using var db = engine.CreateContext();
        Assert.All(await db.DagRuns.Select(r => r.Conf).ToListAsync(), conf => Assert.Equal("{}", conf));
        Assert.Equal(JsonValueKind.Object, await AuditedConfKindAsync(engine, replaced.Id));

        static async Task<List<string?>> CitiesAsync(EngineHarness engine)
        {
            await using var db = engine.CreateContext();
            var confs = await db.DagRuns.OrderBy(r => r.LogicalDate).Select(r => r.Conf).ToListAsync();
            return [.. confs.Select(conf => JsonDocument.Parse(conf).RootElement.TryGetProperty("city", out var city) ? city.GetString() : null)];
        }
    }

    private static async Task<JsonValueKind> AuditedConfKindAsync(EngineHarness engine, int backfillId)
    {
        await using var db = engine.CreateContext();
        var rows = await db.AuditLog.Where(a => a.Action == "backfill.create").Select(a => a.Details).ToListAsync();
        using var details = JsonDocument.Parse(rows.Single(d => JsonDocument.Parse(d).RootElement.GetProperty("backfill_id").GetInt32() == backfillId));
        return details.RootElement.GetProperty("dag_run_conf").ValueKind;
    }

    [Fact]
    public async Task Creating_with_unpause_unpauses_the_paused_dag_and_records_it()
    {
        await using var engine = await EngineWithDailyDagAsync();
        var request = Request(March1, March1.AddDays(1)) with { UnpauseDag = true };

        Assert.True((await Service(engine).PreviewAsync(request)).DagPaused);
        var created = await Service(engine).CreateAsync(request);

        await using var db = engine.CreateContext();
        Assert.False((await db.Dags.SingleAsync()).IsPaused);
        Assert.Equal([("dag.unpause", 1), ("backfill.create", 2)],
            (await db.AuditLog.OrderBy(a => a.Id).Select(a => new { a.Action, a.AffectedCount }).ToListAsync()).Select(a => (a.Action, a.AffectedCount)));
        Assert.Contains($"backfill #{created.Id}", (await db.AuditLog.SingleAsync(a => a.Action == "dag.unpause")).Details);
    }

    // ---- In flight: runs someone else holds while the create runs ----

    [Fact]
    public async Task A_run_to_rerun_that_another_transaction_holds_is_in_flight_and_left_alone()
    {
        await using var engine = await EngineWithDailyDagAsync();
        var days = await SeedReprocessRangeAsync(engine);
        var request = Request(days[0], days[1]) with { Reprocess = ReprocessBehavior.Completed };
        var before = await SnapshotAsync(engine);
        var held = before.Runs[days[1]];

        await using (var clearing = engine.CreateContext())
        {
            await using var transaction = await clearing.Database.BeginTransactionAsync();
            await clearing.ExecuteAsync("SELECT 1 FROM dag_run WHERE id = @id FOR UPDATE", CancellationToken.None, P("id", held.Id));

            Assert.Equal(["rerun", "rerun"], (await Service(engine).PreviewAsync(request)).Slots.Select(Describe)); // the preview takes no lock
            var created = await Service(engine).CreateAsync(request);

            Assert.Equal((0, 1, 1), (created.Created, created.Rerun, created.Skipped));
        }

        var after = await SnapshotAsync(engine);
        Assert.Equal(Row(held), Row(after.Runs[days[1]]));
        Assert.Equal(DagRunType.Backfill, after.Runs[days[0]].RunType);
        await using var db = engine.CreateContext();
        Assert.Equal([(after.Runs[days[0]].Id, null), (null, "in flight")],
            await db.BackfillDagRuns.OrderBy(s => s.SortOrdinal).Select(s => new ValueTuple<long?, string?>(s.DagRunId, s.ExceptionReason)).ToListAsync());
    }

    [Fact]
    public async Task A_run_another_creator_inserts_while_the_create_runs_makes_its_slot_in_flight()
    {
        await using var engine = await EngineWithDailyDagAsync();
        var request = Request(March1, March1.AddDays(2));
        var taken = March1.AddDays(1);

        await using var scheduler = engine.CreateContext();
        await using var transaction = await scheduler.Database.BeginTransactionAsync();
        var versionId = await scheduler.Dags.Select(d => d.CurrentVersionId!.Value).SingleAsync();
        await DagRunCreation.CreateAsync(scheduler, "daily", versionId,
            [EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(taken, taken.AddDays(1)))], engine.Clock.GetUtcNow(), CancellationToken.None);

        var creating = Service(engine).CreateAsync(request); // plans a new run for every day: the other insert is not committed
        await WaitForLockWaitAsync(engine);
        await transaction.CommitAsync();
        var created = await creating;

        Assert.Equal((2, 0, 1), (created.Created, created.Rerun, created.Skipped));
        await using var db = engine.CreateContext();
        Assert.Equal([(March1, DagRunType.Backfill), (taken, DagRunType.Scheduled), (March1.AddDays(2), DagRunType.Backfill)],
            (await db.DagRuns.OrderBy(r => r.LogicalDate).ToListAsync()).Select(r => (r.LogicalDate!.Value, r.RunType)));
        Assert.Equal([(taken, null, "in flight")],
            (await db.BackfillDagRuns.Where(s => s.DagRunId == null).ToListAsync()).Select(s => (s.LogicalDate, s.DagRunId, s.ExceptionReason)));
        Assert.Equal(3 * 2, await db.TaskInstances.CountAsync());
    }

    /// <summary>Until some session of the test's database waits for a lock another holds.</summary>
    private static async Task WaitForLockWaitAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        for (var tries = 0; tries < 200; tries++)
        {
            var waiting = await db.QueryAsync(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                r => r.GetInt64(0), CancellationToken.None);
            if (waiting[0] > 0)
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("The create never waited for the other transaction's insert.");
    }

    // ---- Doing it again ----

    [Fact]
    public async Task The_same_backfill_again_with_missing_runs_only_is_refused_as_nothing_to_do()
    {
        await using var engine = await EngineWithDailyDagAsync();
        var service = Service(engine);
        var request = Request(March1, March1.AddDays(2));
        var first = await service.CreateAsync(request);
        await FinishRunsAsync(engine, "success");
        await engine.Scheduler.RunOnceAsync(CancellationToken.None); // the scheduler completes the backfill
        var written = await CountWrittenAsync(engine);

        var plan = await service.PreviewAsync(request);

        Assert.Empty(plan.Problems);
        Assert.Equal(Enumerable.Repeat("skip: already exists", 3), plan.Slots.Select(Describe));
        const string Message = "Nothing to do: all 3 runs in the range exist already or are in flight. Choose another reprocess behaviour to run them again.";
        Assert.Equal(Message, plan.Blocker);
        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => service.CreateAsync(request));
        Assert.Equal(Message, refused.Message);
        await AssertNothingWrittenAsync(engine, written);
        await using var db = engine.CreateContext();
        Assert.All(await db.DagRuns.ToListAsync(), r => Assert.Equal((first.Id, DagRunState.Success), (r.BackfillId, r.State)));
    }

    [Fact]
    public async Task Of_two_creates_racing_for_one_dag_exactly_one_succeeds()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var service = Service(engine);
        for (var round = 0; round < 4; round++)
        {
            var dagId = await engine.AddDagAsync(DailyDag.Replace("dag_id: daily", $"dag_id: race_{round}"), unpause: false);
            var request = Request(March1, March1.AddDays(2)) with { DagId = dagId };

            var outcomes = await Task.WhenAll(Task.Run(() => TryCreateAsync(service, request)), Task.Run(() => TryCreateAsync(service, request)));

            var winner = Assert.Single(outcomes, o => o.Created is not null).Created!;
            Assert.Equal(3, winner.Created);
            // Which refusal the loser gets depends on how far the winner got: its backfill created a
            // moment ago, already active, or its runs already there ("nothing to do"). Any is right;
            // what matters is that nothing of the loser's is left behind.
            Assert.Single(outcomes, o => !string.IsNullOrWhiteSpace(o.Refused));
            await using var db = engine.CreateContext();
            Assert.Equal(winner.Id, (await db.Backfills.SingleAsync(b => b.DagId == dagId)).Id);
            Assert.Equal(3, await db.DagRuns.CountAsync(r => r.DagId == dagId && r.BackfillId == winner.Id));
            Assert.Equal(3, await db.BackfillDagRuns.CountAsync(s => s.BackfillId == winner.Id));
            Assert.Equal(1, await db.AuditLog.CountAsync(a => a.DagId == dagId));
        }
    }

    // ---- Pause, unpause, cancel: refusals ----

    [Fact]
    public async Task Pausing_twice_changes_and_records_once()
    {
        await using var engine = await EngineWithDailyDagAsync();
        var service = Service(engine);
        var created = await service.CreateAsync(Request(March1, March1.AddDays(1)));

        Assert.True(await service.SetPausedAsync(created.Id, paused: true, Actors.Admin("lead")));
        Assert.False(await service.SetPausedAsync(created.Id, paused: true, Actors.Admin("lead"))); // a double click changes nothing
        Assert.True(await service.SetPausedAsync(created.Id, paused: false, Actors.Admin("lead")));
        Assert.False(await service.SetPausedAsync(created.Id, paused: false, Actors.Admin("lead")));

        await using var db = engine.CreateContext();
        Assert.False((await db.Backfills.SingleAsync()).IsPaused);
        Assert.Equal(["backfill.create", "backfill.pause", "backfill.unpause"], await db.AuditLog.OrderBy(a => a.Id).Select(a => a.Action).ToListAsync());
    }

    [Fact]
    public async Task An_unknown_backfill_cannot_be_paused_unpaused_or_cancelled()
    {
        await using var engine = await EngineWithDailyDagAsync();
        var service = Service(engine);

        foreach (var action in new Func<Task>[]
                 {
                     () => service.SetPausedAsync(42, paused: true, Actors.Admin("lead")),
                     () => service.SetPausedAsync(42, paused: false, Actors.Admin("lead")),
                     () => service.CancelAsync(42, Actors.Admin("lead")),
                 })
        {
            Assert.Equal("There is no backfill #42.", (await Assert.ThrowsAsync<OperationRefusedException>(action)).Message);
        }

        await using var db = engine.CreateContext();
        Assert.False(await db.AuditLog.AnyAsync());
    }

    // ---- Helpers ----

    private static async Task<(BackfillCreated? Created, string? Refused)> TryCreateAsync(BackfillService service, BackfillRequest request)
    {
        try
        {
            return (await service.CreateAsync(request), null);
        }
        catch (OperationRefusedException refused)
        {
            return (null, refused.Message);
        }
    }

    private static BackfillRequest Request(DateTimeOffset from, DateTimeOffset to) => new("daily", from, to, Actors.Admin("lead"));

    private static BackfillService Service(EngineHarness engine) => engine.Services.GetRequiredService<BackfillService>();

    private static async Task<EngineHarness> EngineWithDailyDagAsync()
    {
        var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(DailyDag, unpause: false);
        return engine;
    }

    private static async Task<EngineHarness> EngineWithPastDependencyAsync(string dependency)
    {
        var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync($$"""
            dag_id: daily
            schedule: "@daily"
            start_date: 2020-01-01
            params: {city: nyc}
            tasks:
              - {id: extract, kind: empty}
              - {id: load, kind: empty, upstream: extract, {{dependency}}}
            """, unpause: false);
        return engine;
    }

    private static Task AssertRefusedAsync(EngineHarness engine, BackfillRequest request, params (BackfillField Field, string Message)[] problems) =>
        AssertRefusedAsync(engine, Service(engine), request, problems);

    /// <summary>The preview lists exactly these problems and no slot; the create refuses with all their messages and writes nothing.</summary>
    private static async Task AssertRefusedAsync(
        EngineHarness engine, BackfillService service, BackfillRequest request, params (BackfillField Field, string Message)[] problems)
    {
        var plan = await service.PreviewAsync(request);

        Assert.Equal(problems, plan.Problems.Select(p => (p.Field, p.Message)));
        Assert.False(plan.IsValid);
        Assert.Empty(plan.Slots);
        Assert.Equal(string.Join(" ", problems.Select(p => p.Message)), plan.Blocker);

        var written = await CountWrittenAsync(engine);
        var refused = await Assert.ThrowsAsync<OperationRefusedException>(() => service.CreateAsync(request with { UnpauseDag = true }));
        Assert.Equal(plan.Blocker, refused.Message);
        await AssertNothingWrittenAsync(engine, written);
    }

    private sealed record Written(int Backfills, int Slots, int Runs, int TaskInstances, int AuditRows);

    private static async Task<Written> CountWrittenAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        return new Written(await db.Backfills.CountAsync(), await db.BackfillDagRuns.CountAsync(), await db.DagRuns.CountAsync(),
            await db.TaskInstances.CountAsync(), await db.AuditLog.CountAsync());
    }

    private static async Task AssertNothingWrittenAsync(EngineHarness engine, Written before)
    {
        Assert.Equal(before, await CountWrittenAsync(engine));
        await using var db = engine.CreateContext();
        Assert.All(await db.Dags.ToListAsync(), d => Assert.True(d.IsPaused, "a refused backfill does not unpause its DAG"));
    }

    /// <summary>
    /// Five days from March 1st, 2024: a successful run, a failed run, a running run, a queued run,
    /// and no run. The finished runs ran their tasks once (the failed one's second task failed).
    /// </summary>
    private static async Task<List<DateTimeOffset>> SeedReprocessRangeAsync(EngineHarness engine)
    {
        var days = Enumerable.Range(0, 5).Select(i => March1.AddDays(i)).ToList();
        var runIds = await engine.CreateRunsAsync("daily",
            days.Take(4).Select(day => EngineHarness.RunFor(DagRunType.Scheduled, new DataInterval(day, day.AddDays(1)))).ToArray());
        var ids = runIds.OrderBy(r => r.Key).Select(r => r.Value).ToList();
        await using var db = engine.CreateContext();
        await SetRunAsync(db, ids[0], "success", extract: "success", load: "success");
        await SetRunAsync(db, ids[1], "failed", extract: "success", load: "failed");
        await SetRunAsync(db, ids[2], "running", extract: "running", load: null);
        return days;
    }

    private static async Task SetRunAsync(DashboardDbContext db, long runId, string state, string? extract, string? load)
    {
        var started = March1.AddYears(1);
        await db.ExecuteAsync("""
            UPDATE dag_run SET state = @state, start_date = @started, end_date = CASE WHEN @state IN ('success', 'failed') THEN @started + interval '1 minute' END
            WHERE id = @id
            """, CancellationToken.None, P("id", runId), P("state", state), P("started", started));
        await db.ExecuteAsync("""
            UPDATE task_instance
            SET state = CASE task_id WHEN 'extract' THEN @extract ELSE @load END,
                try_number = CASE WHEN (CASE task_id WHEN 'extract' THEN @extract ELSE @load END) IS NULL THEN 0 ELSE 1 END,
                start_date = @started, hostname = 'worker'
            WHERE dag_run_id = @id
            """, CancellationToken.None, P("id", runId), P("extract", extract), P("load", load), P("started", started));
    }

    private static async Task FinishRunsAsync(EngineHarness engine, string state)
    {
        await using var db = engine.CreateContext();
        await db.ExecuteAsync("UPDATE dag_run SET state = @state, end_date = now()", CancellationToken.None, P("state", state));
        await db.ExecuteAsync("UPDATE task_instance SET state = @state, try_number = 1", CancellationToken.None, P("state", state));
    }

    private sealed record Snapshot(Dictionary<DateTimeOffset, DagRun> Runs, List<TaskInstance> Tasks, List<TaskInstanceHistory> History);

    private static async Task<Snapshot> SnapshotAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        return new Snapshot(
            await db.DagRuns.AsNoTracking().ToDictionaryAsync(r => r.LogicalDate!.Value),
            await db.TaskInstances.AsNoTracking().OrderBy(t => t.DagRunId).ThenBy(t => t.TaskId).ToListAsync(),
            await db.TaskInstanceHistory.AsNoTracking().ToListAsync());
    }

    private static string Describe(BackfillSlot slot) => slot.Action switch
    {
        SlotAction.Create => "create",
        SlotAction.Rerun => "rerun",
        _ => $"skip: {slot.SkipReason}",
    };

    private static object Row(DagRun r) =>
        (r.RunId, r.RunType, r.TriggeredBy, r.State, r.BackfillId, r.ClearNumber, r.StartDate, r.EndDate, r.QueuedAt, r.UpdatedAt);

    private static object TaskRow(TaskInstance t) => (t.Id, t.TaskId, t.State, t.TryNumber, t.MaxTries, t.StartDate, t.UpdatedAt);
}
