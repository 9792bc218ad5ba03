namespace Dashboard.Web.Cli;

/// <summary>
/// Logging for a command: Dashboard's own warnings and errors, one line each, on the command's
/// stderr, so stdout carries nothing but the command's output. Library categories stay silent: EF
/// Core logs a failed query with its stack trace, and the command already reports the failure in one line.
/// </summary>
internal sealed class WarningWriterProvider(TextWriter writer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith("Dashboard", StringComparison.Ordinal) ? new Logger(writer) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Logger(TextWriter writer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Warning and < LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                writer.WriteLine($"{(logLevel == LogLevel.Warning ? "warning" : "error")}: {formatter(state, exception)}");
            }
        }
    }
}
