using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace Dashboard.Bench;

/// <summary>
/// What a page's WebSockets receive, from the browser's own DevTools events
/// (<c>Network.webSocketFrameReceived</c>): frames, payload bytes and Blazor render batches.
/// The Blazor circuit's SignalR connection is the only WebSocket the app opens.
/// </summary>
internal sealed class WebSocketTraffic
{
    // Blazor sends every render batch as a SignalR invocation of this client method; in the
    // MessagePack protocol the method name appears as plain bytes in the frame.
    private static readonly byte[] RenderBatchTarget = "JS.RenderBatch"u8.ToArray();

    private readonly Lock _gate = new();
    private long _frames;
    private long _bytes;
    private long _renderBatches;
    private DateTime _lastFrameAt = DateTime.UtcNow;
    private ICDPSession? _session;

    /// <summary>Starts counting on <paramref name="page"/>; call before navigating to count from the first frame.</summary>
    public static async Task<WebSocketTraffic> AttachAsync(IPage page)
    {
        var traffic = new WebSocketTraffic();
        var session = traffic._session = await page.Context.NewCDPSessionAsync(page);
        session.Event("Network.webSocketFrameReceived").OnEvent += (_, e) => traffic.Add(e);
        await session.SendAsync("Network.enable");
        return traffic;
    }

    public Counts Now()
    {
        lock (_gate)
        {
            return new Counts(_frames, _bytes, _renderBatches);
        }
    }

    /// <summary>Waits until no frame arrived for <paramref name="quiet"/>, at most <paramref name="limit"/>.</summary>
    public async Task WaitForQuietAsync(TimeSpan quiet, TimeSpan limit, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            DateTime last;
            lock (_gate)
            {
                last = _lastFrameAt;
            }

            if (DateTime.UtcNow - last >= quiet)
            {
                return;
            }

            await Task.Delay(50, ct);
        }
    }

    private void Add(JsonElement? e)
    {
        if (e is not { } payload || !payload.TryGetProperty("response", out var response))
        {
            return;
        }

        var data = response.GetProperty("payloadData").GetString() ?? "";
        // Opcode 1 is a text frame (its payload as it is), 2 a binary frame (its payload in base64).
        var bytes = response.GetProperty("opcode").GetInt32() == 2 ? Convert.FromBase64String(data) : Encoding.UTF8.GetBytes(data);
        var batches = Occurrences(bytes, RenderBatchTarget);
        lock (_gate)
        {
            _frames++;
            _bytes += bytes.Length;
            _renderBatches += batches;
            _lastFrameAt = DateTime.UtcNow;
        }
    }

    private static int Occurrences(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle)
    {
        var count = 0;
        int at;
        while ((at = haystack.IndexOf(needle)) >= 0)
        {
            count++;
            haystack = haystack[(at + needle.Length)..];
        }

        return count;
    }

    public readonly record struct Counts(long Frames, long Bytes, long RenderBatches)
    {
        public static Counts operator -(Counts after, Counts before) =>
            new(after.Frames - before.Frames, after.Bytes - before.Bytes, after.RenderBatches - before.RenderBatches);
    }
}
