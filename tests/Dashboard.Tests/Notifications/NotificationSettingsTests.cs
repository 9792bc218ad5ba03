using System.Text.Json;
using Dashboard.Core.Dags;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Scheduler.Notifications;

namespace Dashboard.Tests.Notifications;

/// <summary>
/// What settings and DAG files may say about notifications, and what they are told when they say
/// it wrong; a DAG without <c>notifications</c> keeps its version hash.
/// </summary>
public sealed class NotificationSettingsTests
{
    [Fact]
    public void Valid_settings_pass()
    {
        var options = new NotificationOptions
        {
            Channels =
            {
                ["ops_hook"] = new() { Kind = ChannelKind.Webhook, Url = "https://hooks.example.test/x", Format = WebhookFormat.Slack },
                ["ops_mail"] = new() { Kind = ChannelKind.Email, Connection = "smtp", From = "d@example.test", To = ["a@example.test"] },
            },
            Defaults = { ["on_task_failure"] = ["ops_hook", "ops_mail"], ["on_import_error"] = ["ops_hook"] },
        };

        Assert.True(new NotificationOptionsValidation().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Every_problem_in_the_settings_is_named_with_its_key()
    {
        var options = new NotificationOptions
        {
            Channels =
            {
                ["bad name"] = new() { Kind = ChannelKind.Webhook, Url = "https://x.test" },
                ["hook"] = new() { Kind = ChannelKind.Webhook, Url = "ftp://x.test", SecretHeader = "Bad Header" },
                ["mail"] = new() { Kind = ChannelKind.Email, From = "nobody", To = ["ok@example.test", "not an address"], Port = 70_000 },
            },
            Defaults = { ["on_task_fail"] = ["hook"], ["on_run_failure"] = ["pager"] },
            Delivery = { MaxAttempts = 0, SendTimeout = TimeSpan.FromMinutes(5) },
        };

        var failures = new NotificationOptionsValidation().Validate(null, options).Failures!.ToList();

        Assert.Equal(
        [
            "Notifications:Channels:bad name: a channel name may only hold letters, digits, '_', '-' and '.' (at most 100).",
            "Notifications:Channels:hook:Url must be an http or https URL of at most 2000 characters.",
            "Notifications:Channels:hook:SecretHeader 'Bad Header' is not a header name.",
            "Notifications:Channels:mail: an email channel needs Connection (the SMTP server's host, port, login and password) or Host.",
            "Notifications:Channels:mail:Port must be from 1 to 65535.",
            "Notifications:Channels:mail:From must be an email address.",
            "Notifications:Channels:mail:To: 'not an address' is not an email address.",
            "Notifications:Defaults:on_task_fail: unknown event; expected one of: on_task_failure, on_retry, on_run_failure, on_run_success, on_deadline_missed, on_dag_auto_paused, on_import_error.",
            "Notifications:Defaults:on_run_failure names the channel 'pager', which Notifications:Channels does not define.",
            "Notifications:Delivery:MaxAttempts must be from 1 to 100.",
            "Notifications:Delivery:SendTimeout must be positive and Notifications:Delivery:Lease at least twice as long, so no send outlives its claim.",
        ], failures);
    }

    [Fact]
    public void A_DAG_file_routes_events_to_channels_and_a_single_name_is_a_list_of_one()
    {
        var result = DagFileParser.Parse("""
            dag_id: report
            schedule: null
            notifications:
              on_task_failure: [ops_hook, ops_mail]
              on_run_success: []
              on_retry: chat
            tasks:
              - {id: work, command: "true"}
            """);

        Assert.Empty(result.Errors);
        var routes = result.Dag!.Notifications!;
        Assert.Equal(["ops_hook", "ops_mail"], routes["task_failure"]);
        Assert.Empty(routes["run_success"]);
        Assert.Equal(["chat"], routes["retry"]);
        Assert.False(routes.ContainsKey("run_failure"));
    }

    [Fact]
    public void A_DAG_files_notification_mistakes_are_import_errors_with_their_lines()
    {
        var result = DagFileParser.Parse("""
            dag_id: report
            schedule: null
            notifications:
              on_failure: [ops]
              on_import_error: [ops]
              on_retry: [ops, "bad name", ops]
            tasks:
              - {id: work, command: "true"}
            """);

        Assert.Equal(
        [
            "line 4: unknown key 'on_failure' in notifications; expected one of: on_task_failure, on_retry, on_run_failure, on_run_success, on_deadline_missed, on_dag_auto_paused",
            "line 5: unknown key 'on_import_error' in notifications; expected one of: on_task_failure, on_retry, on_run_failure, on_run_success, on_deadline_missed, on_dag_auto_paused",
            "line 6: 'bad name' in 'on_retry' is no channel name: letters, digits, '_', '-' and '.', at most 100",
            "line 6: 'on_retry' names the channel 'ops' twice",
        ], result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_DAG_without_notifications_serialises_as_before_so_its_version_hash_stays()
    {
        var dag = DagFileParser.Parse("""
            dag_id: report
            schedule: null
            tasks:
              - {id: work, command: "true"}
            """).Dag!;

        Assert.DoesNotContain("Notifications", JsonSerializer.Serialize(dag), StringComparison.Ordinal);
    }

    [Fact]
    public void Retries_wait_longer_each_time_up_to_the_cap()
    {
        var settings = new NotificationDeliveryOptions { FirstRetryDelay = TimeSpan.FromSeconds(15), MaxRetryDelay = TimeSpan.FromMinutes(1) };

        Assert.Equal(
            [TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)],
            new[] { 1, 2, 3, 50 }.Select(attempt => DeliveryWorker.Backoff(attempt, settings)));
    }
}
