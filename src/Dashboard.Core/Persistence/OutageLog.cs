using Microsoft.Extensions.Logging;

namespace Dashboard.Core.Persistence;

/// <summary>
/// Logs a check that runs on every request (or every few seconds) when its outcome changes, not
/// each time: one line when it starts failing (or fails for another reason), one when it works
/// again. A lost database otherwise costs a line per request. Safe to share between threads.
/// </summary>
public sealed class OutageLog(ILogger logger, string activity)
{
    private readonly Lock _lock = new();
    private string? _lastFailure;

    public void Failed(Exception e) => Failed(DashboardDatabase.Reason(e), DashboardDatabase.IsUnavailable(e) ? null : e);

    /// <param name="reason">Why it failed, in one line.</param>
    /// <param name="unexpected">The exception of a failure that is not the database being away (a bug): logged with its stack trace.</param>
    public void Failed(string reason, Exception? unexpected = null)
    {
        lock (_lock)
        {
            if (reason == _lastFailure)
            {
                return;
            }

            _lastFailure = reason;
        }

        if (unexpected is null)
        {
            logger.LogWarning("{Activity}: the database cannot be reached ({Reason})", activity, reason);
        }
        else
        {
            logger.LogError(unexpected, "{Activity} failed ({Reason})", activity, reason);
        }
    }

    public void Succeeded()
    {
        lock (_lock)
        {
            if (_lastFailure is null)
            {
                return;
            }

            _lastFailure = null;
        }

        logger.LogInformation("{Activity}: the database answers again", activity);
    }
}
