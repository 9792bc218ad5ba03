namespace Dashboard.Core.Notifications.Outbox;

/// <summary>
/// The <c>Notifications</c> settings: named channels, the channels each event goes to for every DAG
/// (a DAG file's own list replaces these per event), and how deliveries are retried. Checked at
/// start-up by <see cref="NotificationOptionsValidation"/>.
/// </summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    public Dictionary<string, NotificationChannelOptions> Channels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Event key (<c>on_task_failure</c>, ...) → channel names.</summary>
    public Dictionary<string, string[]> Defaults { get; set; } = new(StringComparer.Ordinal);

    public NotificationDeliveryOptions Delivery { get; set; } = new();
}

public enum ChannelKind
{
    Webhook,
    Email,
}

public enum WebhookFormat
{
    /// <summary>The event's fields as a JSON object.</summary>
    Json,

    /// <summary><c>{"text": ...}</c>, what a Slack (or Mattermost, Teams workflow) incoming webhook takes.</summary>
    Slack,
}

public enum SmtpSecurity
{
    /// <summary>TLS on port 465, STARTTLS where the server offers it, plain otherwise (MailKit's Auto).</summary>
    Auto,
    None,
    StartTls,
    Tls,
}

/// <summary>One channel. Secrets never live here when a Connection can hold them.</summary>
public sealed class NotificationChannelOptions
{
    public ChannelKind Kind { get; set; }

    /// <summary>Webhook: where the event is POSTed (http or https).</summary>
    public string? Url { get; set; }

    public WebhookFormat Format { get; set; } = WebhookFormat.Json;

    /// <summary>
    /// A connection id. Webhook: its password is sent in <see cref="SecretHeader"/>. Email: the SMTP
    /// server's host, port, login and password.
    /// </summary>
    public string? Connection { get; set; }

    /// <summary>Webhook: the header that carries the connection's password; <c>Authorization</c> sends it as a bearer token.</summary>
    public string SecretHeader { get; set; } = "Authorization";

    /// <summary>Email without a connection: an SMTP relay that needs no login.</summary>
    public string? Host { get; set; }

    public int? Port { get; set; }
    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;
    public string? From { get; set; }
    public string[] To { get; set; } = [];

    /// <summary>
    /// Where the channel sends, for pages and errors: a webhook's scheme and host only (a Slack URL's
    /// path is its secret, another's query may hold a token), or the recipients and the relay named
    /// in the settings (a connection's server is the connection's business).
    /// </summary>
    public string Target => Kind == ChannelKind.Webhook
        ? Uri.TryCreate(Url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : ""
        : string.Join(", ", To) + (Host is null ? "" : $" via {Host}");
}

public sealed class NotificationDeliveryOptions
{
    /// <summary>Whether this instance runs a delivery worker; any number may, on one database.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Attempts per delivery, the first included, before it is failed for good.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The wait after the first failed attempt; each further one doubles it, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a claimed delivery is the claiming worker's; a worker that dies holding it loses it after this, and another sends it again.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>One send's limit (HTTP request, or SMTP connect to QUIT). Must be well inside the lease.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The worker wakes on every new row (LISTEN) and when a retry is due; this is only its fallback.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);

    public int BatchSize { get; set; } = 20;

    /// <summary>How long delivered and failed deliveries stay listed before they are deleted.</summary>
    public TimeSpan KeepFor { get; set; } = TimeSpan.FromDays(30);
}
