using System.Net.Mail;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Dashboard.Core.Notifications.Outbox;

/// <summary>Every problem in the <c>Notifications</c> settings at once, each naming its key, so the app refuses to start with a clear list.</summary>
public sealed partial class NotificationOptionsValidation : IValidateOptions<NotificationOptions>
{
    public const int MaxChannels = 50;
    public const int MaxChannelsPerEvent = 20;
    public const int MaxRecipients = 50;
    public const int MaxNameLength = 100;
    public const int MaxUrlLength = 2_000;

    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var problems = new List<string>();
        var section = NotificationOptions.Section;
        if (options.Channels.Count > MaxChannels)
        {
            problems.Add($"{section}:Channels has {options.Channels.Count} channels, more than {MaxChannels}.");
        }

        foreach (var (channel, settings) in options.Channels)
        {
            ValidateChannel($"{section}:Channels:{channel}", channel, settings, problems);
        }

        foreach (var (key, channels) in options.Defaults)
        {
            var where = $"{section}:Defaults:{key}";
            if (!NotificationEvents.ByKey.ContainsKey(key))
            {
                problems.Add($"{where}: unknown event; expected one of: {string.Join(", ", NotificationEvents.ByKey.Keys)}.");
            }

            if (channels.Length > MaxChannelsPerEvent)
            {
                problems.Add($"{where} names {channels.Length} channels, more than {MaxChannelsPerEvent}.");
            }

            problems.AddRange(channels.Where(c => !options.Channels.ContainsKey(c))
                .Select(c => $"{where} names the channel '{c}', which {section}:Channels does not define."));
        }

        var delivery = options.Delivery;
        var at = $"{section}:Delivery";
        if (delivery.MaxAttempts is < 1 or > 100)
        {
            problems.Add($"{at}:MaxAttempts must be from 1 to 100.");
        }

        if (delivery.FirstRetryDelay <= TimeSpan.Zero || delivery.MaxRetryDelay < delivery.FirstRetryDelay)
        {
            problems.Add($"{at}:FirstRetryDelay must be positive and no longer than {at}:MaxRetryDelay.");
        }

        if (delivery.SendTimeout <= TimeSpan.Zero || delivery.Lease < 2 * delivery.SendTimeout)
        {
            problems.Add($"{at}:SendTimeout must be positive and {at}:Lease at least twice as long, so no send outlives its claim.");
        }

        if (delivery.PollInterval < TimeSpan.FromSeconds(1) || delivery.BatchSize is < 1 or > 1_000)
        {
            problems.Add($"{at}:PollInterval must be at least a second and {at}:BatchSize from 1 to 1000.");
        }

        if (delivery.KeepFor < TimeSpan.FromHours(1))
        {
            problems.Add($"{at}:KeepFor must be at least an hour, so a failure stays on the page long enough to be seen.");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>What a channel name may be: it is written in DAG files and shown on pages.</summary>
    public static bool IsChannelName(string name) => name.Length <= MaxNameLength && NamePattern().IsMatch(name);

    private static void ValidateChannel(string where, string channel, NotificationChannelOptions settings, List<string> problems)
    {
        if (!IsChannelName(channel))
        {
            problems.Add($"{where}: a channel name may only hold letters, digits, '_', '-' and '.' (at most {MaxNameLength}).");
        }

        if (settings.Kind == ChannelKind.Webhook)
        {
            if (settings.Url is null || settings.Url.Length > MaxUrlLength
                || !Uri.TryCreate(settings.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                problems.Add($"{where}:Url must be an http or https URL of at most {MaxUrlLength} characters.");
            }

            if (!HeaderPattern().IsMatch(settings.SecretHeader))
            {
                problems.Add($"{where}:SecretHeader '{settings.SecretHeader}' is not a header name.");
            }

            return;
        }

        if (settings.Connection is null && string.IsNullOrWhiteSpace(settings.Host))
        {
            problems.Add($"{where}: an email channel needs Connection (the SMTP server's host, port, login and password) or Host.");
        }

        if (settings.Port is < 1 or > 65_535)
        {
            problems.Add($"{where}:Port must be from 1 to 65535.");
        }

        if (!MailAddress.TryCreate(settings.From, out _))
        {
            problems.Add($"{where}:From must be an email address.");
        }

        if (settings.To.Length is 0 or > MaxRecipients)
        {
            problems.Add($"{where}:To must list from 1 to {MaxRecipients} email addresses.");
        }

        problems.AddRange(settings.To.Where(to => !MailAddress.TryCreate(to, out _)).Select(to => $"{where}:To: '{to}' is not an email address."));
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")]
    private static partial Regex HeaderPattern();
}
