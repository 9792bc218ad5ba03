using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Dashboard.Testing;

/// <summary>
/// A real HTTP endpoint (Kestrel on a free loopback port) that records every request it gets and
/// answers <see cref="Status"/>; its <see cref="Effects"/> are what a receiver that de-duplicates
/// by event id would act on.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>What every request is answered with; a test sets 503 to play a receiver in trouble.</summary>
    public int Status { get; set; } = StatusCodes.Status200OK;

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    /// <summary>One request per event id: what a receiver acts on when it drops repeats by the id header.</summary>
    public IReadOnlyList<ReceivedWebhook> Effects => [.. Received.GroupBy(r => r.EventId).Select(g => g.First())];

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            receiver._received.Enqueue(new ReceivedWebhook(
                context.Request.Path,
                context.Request.Headers["X-Dashboard-Event-Id"].ToString(),
                context.Request.Headers.Authorization.ToString(),
                await reader.ReadToEndAsync()));
            context.Response.StatusCode = receiver.Status;
        });
        await app.StartAsync();
        receiver.Url = app.Urls.Single() + "/hook";
        return receiver;
    }

    /// <summary>A URL nothing listens on: a receiver that is down.</summary>
    public static string UnreachableUrl()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return $"http://127.0.0.1:{port}/hook";
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public sealed record ReceivedWebhook(string Path, string EventId, string Authorization, string Body);
