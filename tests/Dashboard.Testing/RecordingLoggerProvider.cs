using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Dashboard.Testing;

/// <summary>
/// Keeps the warnings and errors an engine logs, so a test can see a failure the engine swallowed
/// (a scheduling pass that threw is logged and retried, not raised), and passes every line on to
/// the test's output when there is one.
/// </summary>
public sealed class RecordingLoggerProvider(ITestOutputHelper? output) : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _problems = new();
    private readonly ConcurrentQueue<LogEntry> _all = new();

    /// <summary>Every line logged at Information or above, for tests of what a log must never hold.</summary>
    public IReadOnlyCollection<LogEntry> All => _all;

    /// <summary>Warnings and worse, in the order they were logged.</summary>
    public IReadOnlyCollection<LogEntry> Problems => _problems;

    public IReadOnlyList<LogEntry> Errors => _problems.Where(p => p.Level >= LogLevel.Error).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Record(LogEntry entry)
    {
        _all.Enqueue(entry);
        if (entry.Level >= LogLevel.Warning)
        {
            _problems.Enqueue(entry);
        }

        try
        {
            output?.WriteLine(entry.ToString());
        }
        catch (InvalidOperationException)
        {
            // The test has finished; a background try logging late has nowhere to write.
        }
    }

    private sealed class Logger(RecordingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Record(new LogEntry(DateTimeOffset.UtcNow, logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}

public sealed record LogEntry(DateTimeOffset At, LogLevel Level, string Category, string Message, Exception? Exception)
{
    public override string ToString() =>
        $"{At:HH:mm:ss.fff} {Level} {Category}: {Message}{(Exception is null ? "" : $"\n{Exception}")}";
}
