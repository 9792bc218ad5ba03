using System.Diagnostics;

namespace Dashboard.Scheduler.Execution;

/// <summary>
/// A bash command running in its own session, so its whole process tree can be killed, and tied to
/// its parent: a watcher inside the session reads the executor's end of a pipe and kills the session
/// when it closes. So a SIGKILLed app leaves no task running on (a retry could otherwise overlap it),
/// and background jobs a finished task forgot are cleaned up when its process is disposed.
/// </summary>
public sealed class TaskProcess : IDisposable
{
    // $1 is the command. fd 3 keeps the executor's pipe for the watcher, because bash gives background jobs /dev/null as stdin.
    private const string Wrapper = """
        exec 3<&0
        bash -c "$1" </dev/null 3<&- &
        child=$!
        { cat <&3 >/dev/null 2>&1; kill -KILL 0; } >/dev/null 2>&1 &
        exec 3<&-
        wait "$child"
        """;

    private readonly Process process;

    private TaskProcess(Process process) => this.process = process;

    public int Pid => process.Id;

    public static TaskProcess Start(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "bash", "-c", Wrapper, "dashboard-task", command })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return new TaskProcess(Process.Start(info) ?? throw new InvalidOperationException("The task process did not start."));
    }

    /// <summary>Passes on stdout and stderr line by line until the command exits; returns its exit code.</summary>
    public async Task<int> RunAsync(Action<string> onStdout, Action<string> onStderr, CancellationToken kill)
    {
        var output = Task.WhenAll(PumpAsync(process.StandardOutput, onStdout), PumpAsync(process.StandardError, onStderr));
        using (kill.Register(KillTree))
        {
            await process.WaitForExitAsync(CancellationToken.None);
        }

        // A background job the command left behind may still hold the output open; ending the
        // session closes it. The timeout only guards against a process that escaped the session.
        process.StandardInput.Close();
        await output.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        return process.ExitCode;
    }

    public void Dispose()
    {
        // Closing our end of the pipe makes the watcher kill whatever is left in the session.
        process.StandardInput.Close();
        process.Dispose();
    }

    private void KillTree()
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own meanwhile.
        }
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(line);
        }
    }
}
