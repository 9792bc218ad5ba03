using Microsoft.Extensions.Logging;

namespace Dashboard.Core.Persistence;

/// <summary>
/// What a loop does while its work keeps failing, so a lost database costs a few log lines a
/// minute, not a flood: it waits longer after each failure in a row (doubling, up to a cap) and
/// logs one line per attempt. A database that cannot be reached is expected while it restarts, so
/// that is a warning with the reason and no stack trace; any other failure is an error with its
/// stack trace the first time, and one line while it repeats identically. The first success after
/// failures says so, once.
/// </summary>
/// <remarks>Not thread-safe: one instance per loop.</remarks>
public sealed class FailureBackoff(ILogger logger, string activity, TimeSpan firstDelay, TimeSpan maxDelay)
{
    private TimeSpan _nextDelay;
    private string? _lastFailure;

    /// <summary>Failures since the last success.</summary>
    public int FailuresInARow { get; private set; }

    /// <summary>Logs the failure; returns how long to wait before the next attempt.</summary>
    public TimeSpan Failed(Exception e)
    {
        var delay = FailuresInARow == 0 ? firstDelay : _nextDelay;
        _nextDelay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, maxDelay.Ticks));
        FailuresInARow++;
        var failure = $"{e.GetType().Name}: {DashboardDatabase.Reason(e)}";
        if (DashboardDatabase.IsUnavailable(e))
        {
            logger.LogWarning("{Activity} failed, the database cannot be reached ({Reason}); trying again in {Delay} s",
                activity, DashboardDatabase.Reason(e), Seconds(delay));
        }
        else if (failure == _lastFailure)
        {
            logger.LogError("{Activity} failed again ({Failure}); trying again in {Delay} s", activity, failure, Seconds(delay));
        }
        else
        {
            logger.LogError(e, "{Activity} failed; trying again in {Delay} s", activity, Seconds(delay));
        }

        _lastFailure = failure;
        return delay;
    }

    /// <summary>Resets the back-off; after failures, logs once that the work succeeds again.</summary>
    public void Succeeded()
    {
        if (FailuresInARow > 0)
        {
            logger.LogInformation("{Activity} works again, after {Failures} failed attempts", activity, FailuresInARow);
        }

        FailuresInARow = 0;
        _lastFailure = null;
    }

    private static double Seconds(TimeSpan delay) => Math.Round(delay.TotalSeconds, 1);
}
