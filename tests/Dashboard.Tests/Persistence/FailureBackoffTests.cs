using System.Net.Sockets;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Dashboard.Tests.Persistence;

/// <summary>A loop that keeps failing waits longer each time and logs one line per attempt, stack traces only for bugs.</summary>
public sealed class FailureBackoffTests
{
    private readonly RecordingLoggerProvider _log = new(null);
    private readonly FailureBackoff _backoff;

    public FailureBackoffTests() =>
        _backoff = new FailureBackoff(_log.CreateLogger("loop"), "The pass", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));

    [Fact]
    public void Delays_double_up_to_the_cap_and_start_again_after_a_success()
    {
        var unreachable = new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused));

        var delays = Enumerable.Range(0, 5).Select(_ => _backoff.Failed(unreachable).TotalSeconds).ToList();
        _backoff.Succeeded();

        Assert.Equal([1, 2, 4, 5, 5], delays);
        Assert.Equal(1, _backoff.Failed(unreachable).TotalSeconds);
    }

    [Fact]
    public void An_unreachable_database_is_one_warning_per_attempt_without_a_stack_trace()
    {
        // As EF Core hands it over: the database's exception inside its "transient failure" wrapper.
        var wrapped = new InvalidOperationException("An exception has been raised that is likely due to a transient failure.",
            new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)));

        _backoff.Failed(wrapped);
        _backoff.Failed(wrapped);

        Assert.All(_log.Problems, p => Assert.Equal((LogLevel.Warning, null), (p.Level, p.Exception)));
        Assert.Equal(2, _log.Problems.Count);
        Assert.Contains("the database cannot be reached (Connection refused); trying again in 2 s", _log.Problems.Last().Message);
    }

    [Fact]
    public void A_bug_is_logged_with_its_stack_trace_once_and_then_in_one_line_while_it_repeats()
    {
        _backoff.Failed(new ArgumentException("bad state"));
        _backoff.Failed(new ArgumentException("bad state"));
        _backoff.Failed(new FormatException("another"));
        _backoff.Succeeded();

        var problems = _log.Problems.ToList();
        Assert.Equal([true, false, true], problems.Select(p => p.Exception is not null));
        Assert.Contains("failed again (ArgumentException: bad state)", problems[1].Message);
    }
}
