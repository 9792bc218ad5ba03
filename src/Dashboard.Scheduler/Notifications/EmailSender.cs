using Dashboard.Core.Connections;
using Dashboard.Core.Notifications.Outbox;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Dashboard.Scheduler.Notifications;

/// <summary>
/// Mails an event over SMTP (MailKit), one connection per message. The Message-Id is made from the
/// event and channel, so a mail system that keeps ids can drop the repeat of a retried send.
/// </summary>
public sealed class EmailSender
{
    /// <exception cref="NotificationSendException">The server could not be reached or refused the message.</exception>
    public async Task SendAsync(NotificationChannelOptions channel, ConnectionValue? connection, NotificationMessage message, TimeSpan timeout, CancellationToken ct)
    {
        var host = connection?.Host ?? channel.Host;
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new NotificationSendException($"the connection {channel.Connection} has no host for the SMTP server", permanent: true);
        }

        var port = connection?.Port ?? channel.Port ?? (channel.Security == SmtpSecurity.Tls ? 465 : 25);
        var mail = new MimeMessage
        {
            Subject = $"[Dashboard] {message.Title}",
            Body = new TextPart("plain") { Text = message.Details() },
            MessageId = $"{message.EventId}.{message.Channel}@dashboard",
        };
        mail.From.Add(MailboxAddress.Parse(channel.From!)); // checked at start-up
        mail.To.AddRange(channel.To.Select(MailboxAddress.Parse));

        using var smtp = new SmtpClient { Timeout = (int)timeout.TotalMilliseconds };
        try
        {
            await smtp.ConnectAsync(host, port, Security(channel.Security), ct);
            if (connection?.Login is { Length: > 0 } login)
            {
                await smtp.AuthenticateAsync(login, connection.Password ?? "", ct);
            }

            await smtp.SendAsync(mail, ct);
            await smtp.DisconnectAsync(quit: true, ct);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or SmtpCommandException or SmtpProtocolException
                                       or AuthenticationException or SslHandshakeException or ServiceNotConnectedException)
        {
            throw new NotificationSendException($"SMTP {host}:{port} failed: {e.Message}");
        }
    }

    private static SecureSocketOptions Security(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };
}
