using Dashboard.Core.Domain;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Tests.Notifications;

/// <summary>
/// An engine whose notification channels point at a real webhook receiver and a real SMTP listener,
/// both started by the test: <c>ops_hook</c> (JSON), <c>chat</c> (Slack format) and <c>ops_mail</c>.
/// Run and import failures and run successes go to <c>ops_hook</c> by default.
/// </summary>
internal sealed class NotificationTestSetup : IAsyncDisposable
{
    private NotificationTestSetup(EngineHarness engine, WebhookReceiver hook, SmtpListener smtp)
    {
        Engine = engine;
        Hook = hook;
        Smtp = smtp;
    }

    public EngineHarness Engine { get; }
    public WebhookReceiver Hook { get; }
    public SmtpListener Smtp { get; }

    /// <param name="more">Further settings, which may name the receivers' addresses.</param>
    public static async Task<NotificationTestSetup> StartAsync(
        Func<WebhookReceiver, SmtpListener, IReadOnlyDictionary<string, string?>>? more = null, string? hookUrl = null)
    {
        var hook = await WebhookReceiver.StartAsync();
        var smtp = new SmtpListener();
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:Channels:ops_hook:Kind"] = "webhook",
            ["Notifications:Channels:ops_hook:Url"] = hookUrl ?? hook.Url,
            ["Notifications:Channels:chat:Kind"] = "webhook",
            ["Notifications:Channels:chat:Url"] = hook.Url + "-chat",
            ["Notifications:Channels:chat:Format"] = "slack",
            ["Notifications:Channels:ops_mail:Kind"] = "email",
            ["Notifications:Channels:ops_mail:Host"] = "127.0.0.1",
            ["Notifications:Channels:ops_mail:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Notifications:Channels:ops_mail:Security"] = "none",
            ["Notifications:Channels:ops_mail:From"] = "dashboard@example.test",
            ["Notifications:Channels:ops_mail:To:0"] = "oncall@example.test",
            ["Notifications:Defaults:on_run_failure:0"] = "ops_hook",
            ["Notifications:Defaults:on_run_success:0"] = "ops_hook",
            ["Notifications:Defaults:on_import_error:0"] = "ops_hook",
            ["Notifications:Delivery:MaxAttempts"] = "3",
            ["Notifications:Delivery:FirstRetryDelay"] = "00:01:00",
        };
        foreach (var (key, value) in more?.Invoke(hook, smtp) ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return new NotificationTestSetup(await EngineHarness.CreateAsync(settings: settings), hook, smtp);
    }

    /// <summary>Lets this instance's worker send everything due, as its loop would, until nothing due is left.</summary>
    public async Task DeliverDueAsync()
    {
        while (await Engine.Deliveries.DeliverDueAsync(CancellationToken.None) > 0)
        {
        }
    }

    public async Task<List<NotificationDelivery>> RowsAsync()
    {
        await using var db = Engine.CreateContext();
        return await db.Notifications.AsNoTracking().OrderBy(n => n.Id).ToListAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        await Hook.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}
