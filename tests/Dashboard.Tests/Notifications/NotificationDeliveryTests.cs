using System.Text.Json;
using Dashboard.Core.Connections;
using Dashboard.Core.Domain;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Security;
using Dashboard.Core.Transitions;
using Dashboard.Scheduler.Notifications;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Tests.Notifications;

/// <summary>
/// Events reach a real webhook receiver and a real SMTP listener through the outbox: from the state
/// change's own transaction, once per event and channel, again after a worker dies mid-send, with
/// retries and then a visible failure while a receiver is down, and once across two instances.
/// </summary>
public sealed class NotificationDeliveryTests
{
    [Fact]
    public async Task A_task_failure_reaches_the_DAGs_channels_and_the_run_failure_the_default_channel_each_once()
    {
        await using var setup = await NotificationTestSetup.StartAsync();
        var engine = setup.Engine;
        var dagId = await engine.AddDagAsync("""
            dag_id: nightly_load
            schedule: null
            notifications:
              on_task_failure: [ops_hook, ops_mail]
            tasks:
              - id: load
                retries: 0
                command: exit 3
            """);
        var runId = await engine.TriggerAsync(dagId);
        await engine.RunUntilRunsFinishedAsync(dagId);

        var rows = await setup.RowsAsync();
        Assert.Equal(
            [("task_failure", "ops_hook"), ("task_failure", "ops_mail"), ("run_failure", "ops_hook")],
            rows.Select(r => (r.Kind, r.Channel)).OrderByDescending(r => r.Kind).ThenBy(r => r.Channel));
        Assert.Single(rows.Where(r => r.Kind == "task_failure").Select(r => r.EventId).Distinct());

        await setup.DeliverDueAsync();

        Assert.All(await setup.RowsAsync(), r => Assert.Equal((NotificationState.Delivered, 1), (r.State, r.Attempts)));
        Assert.Equal(2, setup.Hook.Received.Count);
        var failure = JsonDocument.Parse(setup.Hook.Received.Single(r => r.Body.Contains("\"task_failure\"", StringComparison.Ordinal)).Body).RootElement;
        Assert.Equal((dagId, runId, "load", 1, "failed"), (
            failure.GetProperty("dag_id").GetString(), failure.GetProperty("run_id").GetString(), failure.GetProperty("task_id").GetString(),
            failure.GetProperty("try_number").GetInt32(), failure.GetProperty("state").GetString()));
        var taskEvent = rows.First(r => r.Kind == "task_failure").EventId.ToString();
        Assert.Equal(taskEvent, failure.GetProperty("event_id").GetString());
        Assert.Contains(setup.Hook.Received, r => r.EventId == taskEvent);
        Assert.Contains(setup.Hook.Received, r => r.Body.Contains("\"run_failure\"", StringComparison.Ordinal));

        var mail = Assert.Single(setup.Smtp.Messages);
        Assert.Equal($"[Dashboard] Task failed: nightly_load.load ({runId}, try 1)", mail.Message.Subject);
        Assert.Equal(["<oncall@example.test>"], mail.To);
        Assert.Contains($"event_id: {taskEvent}", mail.Message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_retry_goes_to_the_DAGs_channel_in_Slacks_format_and_an_empty_list_silences_a_default()
    {
        await using var setup = await NotificationTestSetup.StartAsync();
        var engine = setup.Engine;
        var flaky = await engine.AddDagAsync("""
            dag_id: flaky
            schedule: null
            notifications:
              on_retry: chat
            tasks:
              - id: call_api
                retries: 1
                retry_delay: 1h
                command: '[ "$TRY_NUMBER" -ge 2 ]'
            """);
        var quiet = await engine.AddDagAsync("""
            dag_id: quiet
            schedule: null
            notifications:
              on_run_success: []
            tasks:
              - {id: work, command: exit 0}
            """);
        var runId = await engine.TriggerAsync(flaky);
        await engine.TriggerAsync(quiet);
        await engine.RunUntilTaskStateAsync(flaky, runId, "call_api", TaskInstanceState.UpForRetry);
        // Before the clock jumps past the retry delay: a try still running then would look an hour silent and be failed as lost.
        await engine.RunUntilRunsFinishedAsync(quiet);
        await setup.DeliverDueAsync();

        var retry = Assert.Single(setup.Hook.Received);
        Assert.EndsWith("/hook-chat", retry.Path, StringComparison.Ordinal);
        Assert.StartsWith($"*Task failed, will retry: flaky.call_api ({runId}, try 1)*",
            JsonDocument.Parse(retry.Body).RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);

        engine.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await engine.RunUntilRunsFinishedAsync(flaky);
        await setup.DeliverDueAsync();

        var rows = await setup.RowsAsync();
        Assert.Equal([("retry", "chat", "flaky"), ("run_success", "ops_hook", "flaky")], rows.Select(r => (r.Kind, r.Channel, r.DagId)));
        Assert.Equal(2, setup.Hook.Received.Count);
    }

    [Fact]
    public async Task A_DAG_file_that_stops_importing_notifies_the_default_channel_once()
    {
        await using var setup = await NotificationTestSetup.StartAsync();
        var engine = setup.Engine;
        engine.WriteDagFile("report.yaml", """
            dag_id: report
            schedule: null
            tasks:
              - {id: work, command: exit 0}
            """);
        await engine.ProcessDagFilesAsync();
        Assert.Empty(await setup.RowsAsync());

        engine.WriteDagFile("report.yaml", "dag_id: report\ntasks: 3\n");
        await engine.ProcessDagFilesAsync();
        await engine.ProcessDagFilesAsync(); // still broken, the same errors: nothing new to say
        await setup.DeliverDueAsync();

        var row = Assert.Single(await setup.RowsAsync());
        Assert.Equal(("import_error", "ops_hook", NotificationState.Delivered), (row.Kind, row.Channel, row.State));
        var body = JsonDocument.Parse(Assert.Single(setup.Hook.Received).Body).RootElement;
        Assert.Equal("report.yaml", body.GetProperty("file").GetString());
        Assert.Contains("tasks", body.GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_state_change_that_rolls_back_enqueues_nothing()
    {
        await using var setup = await NotificationTestSetup.StartAsync();
        var engine = setup.Engine;
        var dagId = await engine.AddDagAsync("""
            dag_id: rollback
            schedule: null
            tasks:
              - {id: work, command: exit 0}
            """);
        var runId = await engine.TriggerAsync(dagId);
        var routes = engine.Services.GetRequiredService<NotificationRoutes>();
        await using var db = engine.CreateContext();
        await db.ExecuteAsync("UPDATE dag_run SET state = 'running' WHERE run_id = @run", CancellationToken.None, P("run", runId));
        var run = await db.DagRuns.AsNoTracking().SingleAsync(r => r.RunId == runId);

        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            Assert.True(await DagRunTransitions.FinishAsync(db, run.Id, DagRunState.Failed, routes, engine.Clock.GetUtcNow(), CancellationToken.None));
            Assert.Single(await db.Notifications.ToListAsync()); // written in the transaction...
            await transaction.RollbackAsync();
        }

        Assert.Empty(await setup.RowsAsync()); // ...and gone with it
        await setup.DeliverDueAsync();
        Assert.Empty(setup.Hook.Received);

        Assert.True(await DagRunTransitions.FinishAsync(db, run.Id, DagRunState.Failed, routes, engine.Clock.GetUtcNow(), CancellationToken.None));
        Assert.Equal("run_failure", Assert.Single(await setup.RowsAsync()).Kind);
    }

    [Fact]
    public async Task A_worker_that_dies_mid_delivery_loses_its_claim_and_the_event_still_has_one_effect()
    {
        await using var setup = await NotificationTestSetup.StartAsync();
        var engine = setup.Engine;
        var dagId = await engine.AddDagAsync("""
            dag_id: crashy
            schedule: null
            tasks:
              - {id: load, retries: 0, command: exit 1}
            """);
        await engine.TriggerAsync(dagId);
        await engine.RunUntilRunsFinishedAsync(dagId);
        var eventId = Assert.Single(await setup.RowsAsync()).EventId;

        // The first worker claims the delivery and sends it, then dies before recording that it did.
        var crashed = engine.Deliveries;
        var claim = Assert.Single(await crashed.ClaimAsync(CancellationToken.None));
        Assert.Null(await crashed.SendAsync(claim, CancellationToken.None));

        // A restarted app (a new worker on the same database) finds the row claimed until the lease ends...
        await using var restarted = engine.AddInstance();
        Assert.Equal(0, await restarted.Deliveries.DeliverDueAsync(CancellationToken.None));
        Assert.Equal(NotificationState.Delivering, Assert.Single(await setup.RowsAsync()).State);

        // ...and then sends it again, with the same event id.
        engine.Clock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        Assert.Equal(1, await restarted.Deliveries.DeliverDueAsync(CancellationToken.None));

        var row = Assert.Single(await setup.RowsAsync());
        Assert.Equal((NotificationState.Delivered, 2, restarted.Deliveries.WorkerId), (row.State, row.Attempts, row.ClaimedBy));
        Assert.Equal([eventId.ToString(), eventId.ToString()], setup.Hook.Received.Select(r => r.EventId));
        Assert.Single(setup.Hook.Effects);

        // The dead worker's late word changes nothing: the row is no longer its claim.
        await crashed.SettleAsync(claim, new NotificationSendException("late"), CancellationToken.None);
        var settled = Assert.Single(await setup.RowsAsync());
        Assert.Equal((NotificationState.Delivered, (string?)null), (settled.State, settled.LastError));
    }

    [Fact]
    public async Task A_receiver_that_is_down_gets_retries_with_backoff_and_then_a_visible_failure()
    {
        await using var setup = await NotificationTestSetup.StartAsync(hookUrl: WebhookReceiver.UnreachableUrl());
        var engine = setup.Engine;
        var dagId = await engine.AddDagAsync("""
            dag_id: unheard
            schedule: null
            tasks:
              - {id: load, retries: 0, command: exit 1}
            """);
        await engine.TriggerAsync(dagId);
        await engine.RunUntilRunsFinishedAsync(dagId);

        await setup.DeliverDueAsync();
        var first = Assert.Single(await setup.RowsAsync());
        Assert.Equal((NotificationState.Pending, 1), (first.State, first.Attempts));
        Assert.Contains("failed", first.LastError, StringComparison.Ordinal);
        Assert.Equal(first.UpdatedAt.AddMinutes(1), first.NextAttemptAt);

        engine.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await setup.DeliverDueAsync();
        var second = Assert.Single(await setup.RowsAsync());
        Assert.Equal((NotificationState.Pending, 2), (second.State, second.Attempts));
        Assert.Equal(second.UpdatedAt.AddMinutes(2), second.NextAttemptAt); // doubled

        engine.Clock.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        await setup.DeliverDueAsync();

        var service = engine.Services.GetRequiredService<NotificationService>();
        var failed = Assert.Single(await service.RecentAsync(Actors.As(Role.Op), NotificationState.Failed));
        Assert.Equal((3, "ops_hook", "run_failure"), (failed.Attempts, failed.Channel, failed.Kind));
        Assert.StartsWith("POST http://127.0.0.1:", failed.LastError, StringComparison.Ordinal);

        engine.Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await engine.Deliveries.DeliverDueAsync(CancellationToken.None)); // failed for good
    }

    [Fact]
    public async Task Two_instances_deliver_every_event_once()
    {
        // Small batches, so the two workers' claims interleave.
        await using var setup = await NotificationTestSetup.StartAsync((_, _) => new Dictionary<string, string?>
        {
            ["Notifications:Delivery:BatchSize"] = "5",
        });
        var engine = setup.Engine;
        await using var second = engine.AddInstance();
        var routes = engine.Services.GetRequiredService<NotificationRoutes>();
        await using (var db = engine.CreateContext())
        {
            var events = Enumerable.Range(1, 60)
                .Select(i => new OutboxEvent(NotificationEvent.RunFailure, null, $$"""{"run_id": "run_{{i}}"}"""))
                .ToList();
            Assert.Equal(60, await NotificationOutbox.EnqueueAsync(db, routes, events, engine.Clock.GetUtcNow(), CancellationToken.None));
        }

        await Task.WhenAll(DrainAsync(engine), DrainAsync(second));

        var rows = await setup.RowsAsync();
        Assert.All(rows, r => Assert.Equal((NotificationState.Delivered, 1), (r.State, r.Attempts)));
        Assert.Equal(60, setup.Hook.Received.Count);
        Assert.Equal(60, setup.Hook.Effects.Count);
        Assert.All(rows, r => Assert.Contains(r.ClaimedBy, new[] { engine.Deliveries.WorkerId, second.Deliveries.WorkerId }));

        static async Task DrainAsync(EngineHarness instance)
        {
            while (await instance.Deliveries.DeliverDueAsync(CancellationToken.None) > 0)
            {
            }
        }
    }

    [Fact]
    public async Task A_refusing_receivers_status_and_the_start_of_its_answer_are_the_error()
    {
        await using var setup = await NotificationTestSetup.StartAsync();
        setup.Hook.Status = 503;
        await setup.Engine.Services.GetRequiredService<NotificationService>().SendTestAsync(Actors.As(Role.Op), "ops_hook");

        await setup.DeliverDueAsync();

        var row = Assert.Single(await setup.RowsAsync());
        Assert.Equal((NotificationState.Pending, 1), (row.State, row.Attempts));
        Assert.Matches(@"^POST http://127\.0\.0\.1:\d+ answered 503 Service Unavailable$", row.LastError);
        Assert.Single(setup.Hook.Received);
    }

    [Fact]
    public async Task A_missed_deadline_enqueued_by_its_checker_follows_the_DAGs_route()
    {
        await using var setup = await NotificationTestSetup.StartAsync();
        var engine = setup.Engine;
        var dagId = await engine.AddDagAsync("""
            dag_id: hourly_feed
            schedule: null
            notifications:
              on_deadline_missed: [chat, ops_mail]
            tasks:
              - {id: work, command: exit 0}
            """);
        await using (var db = engine.CreateContext())
        {
            await NotificationOutbox.EnqueueAsync(db, engine.Services.GetRequiredService<NotificationRoutes>(),
                [new OutboxEvent(NotificationEvent.DeadlineMissed, dagId, """{"dag_id": "hourly_feed", "run_id": "scheduled__x"}""")],
                engine.Clock.GetUtcNow(), CancellationToken.None);
        }

        await setup.DeliverDueAsync();

        Assert.Equal(["chat", "ops_mail"], (await setup.RowsAsync()).Select(r => r.Channel).Order());
        Assert.Equal("[Dashboard] Deadline missed: hourly_feed (scheduled__x)", Assert.Single(setup.Smtp.Messages).Message.Subject);
    }

    [Fact]
    public async Task Settled_deliveries_are_pruned_after_the_keep_period_and_unsettled_ones_never()
    {
        await using var setup = await NotificationTestSetup.StartAsync(hookUrl: WebhookReceiver.UnreachableUrl());
        var service = setup.Engine.Services.GetRequiredService<NotificationService>();
        await service.SendTestAsync(Actors.As(Role.Op), "chat");
        await service.SendTestAsync(Actors.As(Role.Op), "ops_hook");
        await setup.DeliverDueAsync();
        Assert.Equal([NotificationState.Delivered, NotificationState.Pending], (await setup.RowsAsync()).Select(r => r.State));

        Assert.Equal(0, await setup.Engine.Deliveries.PruneAsync(CancellationToken.None));
        setup.Engine.Clock.Advance(TimeSpan.FromDays(30) + TimeSpan.FromMinutes(1));
        Assert.Equal(1, await setup.Engine.Deliveries.PruneAsync(CancellationToken.None));

        Assert.Equal("ops_hook", Assert.Single(await setup.RowsAsync()).Channel);
    }

    [Fact]
    public async Task A_channel_the_settings_do_not_define_fails_at_once_with_a_clear_error()
    {
        await using var setup = await NotificationTestSetup.StartAsync();
        var engine = setup.Engine;
        var dagId = await engine.AddDagAsync("""
            dag_id: misrouted
            schedule: null
            notifications:
              on_task_failure: [nowhere]
              on_run_failure: []
            tasks:
              - {id: load, retries: 0, command: exit 1}
            """);
        await engine.TriggerAsync(dagId);
        await engine.RunUntilRunsFinishedAsync(dagId);
        await setup.DeliverDueAsync();

        var row = Assert.Single(await setup.RowsAsync());
        Assert.Equal((NotificationState.Failed, 1), (row.State, row.Attempts));
        Assert.Equal("the channel 'nowhere' is not in the settings (Notifications:Channels)", row.LastError);
    }

    [Fact]
    public async Task Send_test_goes_through_the_outbox_with_the_connections_secrets_and_is_audited()
    {
        await using var setup = await NotificationTestSetup.StartAsync((hook, _) => new Dictionary<string, string?>
        {
            ["Notifications:Channels:secure_hook:Kind"] = "webhook",
            ["Notifications:Channels:secure_hook:Url"] = hook.Url,
            ["Notifications:Channels:secure_hook:Connection"] = "hook_token",
            ["Notifications:Channels:relay:Kind"] = "email",
            ["Notifications:Channels:relay:Connection"] = "smtp_relay",
            ["Notifications:Channels:relay:Security"] = "none",
            ["Notifications:Channels:relay:From"] = "dashboard@example.test",
            ["Notifications:Channels:relay:To:0"] = "team@example.test",
        });
        var engine = setup.Engine;
        var connections = engine.Services.GetRequiredService<ConnectionService>();
        var admin = Actors.Admin("admin");
        await connections.SaveAsync(admin, new ConnectionEdit("hook_token",
            new ConnectionFields("http", null, null, null, null, null, null, null), SecretChange.Set("s3cret-token"), SaveMode.Create));
        await connections.SaveAsync(admin, new ConnectionEdit("smtp_relay",
            new ConnectionFields("smtp", "127.0.0.1", setup.Smtp.Port, null, "mailer", null, null, null), SecretChange.Set("mail-pw"), SaveMode.Create));
        var service = engine.Services.GetRequiredService<NotificationService>();

        await Assert.ThrowsAsync<AccessDeniedException>(() => service.SendTestAsync(Actors.As(Role.User), "secure_hook"));
        var hookTest = await service.SendTestAsync(Actors.As(Role.Op, "olga"), "secure_hook");
        await service.SendTestAsync(Actors.As(Role.Op, "olga"), "relay");
        await setup.DeliverDueAsync();

        var received = Assert.Single(setup.Hook.Received);
        Assert.Equal((hookTest.ToString(), "Bearer s3cret-token"), (received.EventId, received.Authorization));
        var mail = Assert.Single(setup.Smtp.Messages);
        Assert.Equal(("mailer:mail-pw", "[Dashboard] Test notification"), (mail.Login, mail.Message.Subject));
        await using var db = engine.CreateContext();
        Assert.Equal(["relay", "secure_hook"],
            (await db.AuditLog.Where(a => a.Action == "notification.test").Select(a => a.Details).ToListAsync())
            .Select(d => JsonDocument.Parse(d).RootElement.GetProperty("channel").GetString()).Order());
    }

    [Fact]
    public async Task The_hosted_worker_wakes_on_a_new_row_without_waiting_for_its_poll()
    {
        await using var setup = await NotificationTestSetup.StartAsync((_, _) => new Dictionary<string, string?>
        {
            ["Notifications:Delivery:PollInterval"] = "01:00:00",
        });
        var engine = setup.Engine;
        var service = ActivatorUtilities.CreateInstance<NotificationDeliveryService>(engine.Services);
        await service.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.HoldsAsync(async () => await ListeningAsync(engine), "the delivery worker listens");
            await engine.Services.GetRequiredService<NotificationService>().SendTestAsync(Actors.As(Role.Op), "ops_hook");
            await Eventually.HoldsAsync(() => Task.FromResult(setup.Hook.Received.Count == 1), "the test message is delivered");
        }
        finally
        {
            await service.StopAsync(CancellationToken.None);
            service.Dispose();
        }
    }

    private static async Task<bool> ListeningAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        var listeners = await db.QueryAsync(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = @name AND query LIKE 'LISTEN%'",
            r => r.GetInt64(0), CancellationToken.None, P("name", NotificationDeliveryService.ApplicationName));
        return listeners[0] > 0;
    }
}
