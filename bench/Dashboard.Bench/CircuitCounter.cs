using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Dashboard.Bench;

/// <summary>How many Blazor circuits the app holds, so a measurement knows when pages have connected or gone.</summary>
internal sealed class CircuitCounter : CircuitHandler
{
    private int _open;

    public int Open => Volatile.Read(ref _open);

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _open);
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Interlocked.Decrement(ref _open);
        return Task.CompletedTask;
    }

    /// <summary>Waits until exactly <paramref name="count"/> circuits are open.</summary>
    public async Task WaitForAsync(int count, TimeSpan limit, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + limit;
        while (Open != count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Expected {count} open circuits, the app holds {Open}.");
            }

            await Task.Delay(50, ct);
        }
    }
}
