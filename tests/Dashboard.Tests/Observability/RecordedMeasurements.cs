using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Dashboard.Tests.Observability;

/// <summary>
/// Every measurement of one meter instance, as an exporter would receive them. Listening to the
/// instance, not the meter's name, keeps out the engines of tests running beside this one.
/// </summary>
public sealed class RecordedMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measurement> _measurements = new();

    public RecordedMeasurements(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == meter)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>The measurements of <paramref name="instrument"/> whose tags include every one of <paramref name="tags"/>.</summary>
    public IReadOnlyList<double> Of(string instrument, params (string Key, string Value)[] tags) =>
        _measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var value) && Equals(value, t.Value)))
            .Select(m => m.Value).ToList();

    /// <summary>Takes a reading of the gauges, as an exporter does at each collection.</summary>
    public void ReadGauges() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _measurements.Enqueue(new Measurement(instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));

    private sealed record Measurement(string Instrument, double Value, Dictionary<string, object?> Tags);
}
