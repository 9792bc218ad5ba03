using Dashboard.Core.Observability;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Dashboard.Web.Hosting;

/// <summary>Counts open Blazor circuits (<c>dashboard.circuits.open</c>): each one holds server memory and a live-update subscription.</summary>
public sealed class CircuitCounter(DashboardMetrics metrics) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        metrics.CircuitOpened();
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        metrics.CircuitClosed();
        return Task.CompletedTask;
    }
}
