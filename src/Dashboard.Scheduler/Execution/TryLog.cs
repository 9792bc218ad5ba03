using Dashboard.Core.Connections;
using Dashboard.Core.Domain;
using Dashboard.Core.Transitions;

namespace Dashboard.Scheduler.Execution;

/// <summary>
/// One try's output on its way to the <see cref="TaskLogWriter"/>, bounded: overlong lines are cut,
/// and past the line limit the rest is counted, not stored, and a marker at the end says how much
/// is missing, so a runaway task cannot fill the database. Every line passes the try's
/// <see cref="SecretMasker"/> first, so no secret it could see is stored, whole or cut.
/// </summary>
internal sealed class TryLog(TaskLogWriter writer, ClaimedTry attempt, int maxLines, int maxLineLength, SecretMasker masker)
{
    private int stored;
    private long droppedLines;
    private long droppedChars;

    public void Line(LogStream stream, string line)
    {
        if (Interlocked.Increment(ref stored) > maxLines)
        {
            Interlocked.Increment(ref droppedLines);
            Interlocked.Add(ref droppedChars, line.Length);
            return;
        }

        line = masker.Apply(line);
        writer.Append(attempt, stream, line.Length <= maxLineLength
            ? line
            : $"{line[..maxLineLength]} [line truncated: {line.Length - maxLineLength} more characters]");
    }

    public void System(string message) => writer.Append(attempt, LogStream.System, masker.Apply(message));

    /// <summary>Writes the truncation marker, if anything was dropped.</summary>
    public void Complete()
    {
        if (droppedLines > 0)
        {
            System($"[log truncated: {droppedLines} more lines ({droppedChars} characters) were not stored; the limit is {maxLines} lines per try]");
        }
    }
}
