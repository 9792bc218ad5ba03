using System.Net.Http.Headers;
using System.Text;
using Dashboard.Core.Connections;
using Dashboard.Core.Notifications.Outbox;

namespace Dashboard.Scheduler.Notifications;

/// <summary>
/// POSTs an event to a webhook channel. Every attempt carries the event's id (<c>X-Dashboard-Event-Id</c>
/// and <c>Idempotency-Key</c>): delivery is at least once, so a receiver that acts once per id acts once.
/// </summary>
public sealed class WebhookSender(IHttpClientFactory httpClients)
{
    public const string ClientName = "notifications";
    public const string EventIdHeader = "X-Dashboard-Event-Id";

    /// <summary>Characters of a refusing receiver's answer kept in the error.</summary>
    private const int MaxQuotedResponse = 300;

    /// <exception cref="NotificationSendException">The receiver could not be reached or did not answer 2xx.</exception>
    public async Task SendAsync(NotificationChannelOptions channel, ConnectionValue? connection, NotificationMessage message, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, channel.Url)
        {
            Content = new StringContent(message.Body(channel.Format), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(EventIdHeader, message.EventId.ToString());
        request.Headers.Add("Idempotency-Key", message.EventId.ToString());
        if (connection?.Password is { Length: > 0 } secret)
        {
            if (string.Equals(channel.SecretHeader, "Authorization", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            }
            else
            {
                request.Headers.Add(channel.SecretHeader, secret);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await httpClients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e)
        {
            throw new NotificationSendException($"POST {channel.Target} failed: {e.Message}");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var answer = await StartOfAsync(response.Content, ct);
                throw new NotificationSendException(
                    $"POST {channel.Target} answered {(int)response.StatusCode} {response.ReasonPhrase}{(answer.Length == 0 ? "" : $": {answer}")}");
            }
        }
    }

    /// <summary>The first characters of a refusal's body, read no further: a receiver may answer with anything, of any size.</summary>
    private static async Task<string> StartOfAsync(HttpContent content, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var buffer = new char[MaxQuotedResponse + 1];
        var read = await reader.ReadBlockAsync(buffer, ct);
        var text = new string(buffer, 0, Math.Min(read, MaxQuotedResponse)).Trim();
        return read > MaxQuotedResponse ? text + "…" : text;
    }
}

/// <summary>A delivery attempt that failed, with the reason the page shows; <see cref="Permanent"/> when retrying cannot help.</summary>
public sealed class NotificationSendException(string message, bool permanent = false) : Exception(message)
{
    public bool Permanent { get; } = permanent;
}
