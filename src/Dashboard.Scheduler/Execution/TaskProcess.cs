using System.Diagnostics;
using Dashboard.Scheduler.Execution.Containment;

namespace Dashboard.Scheduler.Execution;

/// <summary>
/// A bash command running in its try's <see cref="TryContainer"/>, which ends every process the
/// command starts when the try ends: when the command exits (so background jobs and daemons it
/// forgot die with it), when it is killed (a timeout, a clear, a shutdown), and when the app itself
/// is killed: the container's launcher reads the executor's end of a pipe and, once it closes,
/// ends the try. So a retry never overlaps a leftover.
/// </summary>
public sealed class TaskProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly TryContainer container;
    private int inputClosed;

    private TaskProcess(Process process, TryContainer container)
    {
        this.process = process;
        this.container = container;
    }

    public int Pid => process.Id;

    /// <summary>Starts the command; the process owns <paramref name="container"/> from here on.</summary>
    public static TaskProcess Start(string command, string workingDirectory, IReadOnlyDictionary<string, string> environment, TryContainer container)
    {
        var info = container.StartInfo(command, environment);
        info.WorkingDirectory = workingDirectory;
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        return new TaskProcess(Process.Start(info) ?? throw new InvalidOperationException("The task process did not start."), container);
    }

    /// <summary>
    /// Passes on stdout and stderr line by line until the command exits, then ends whatever it
    /// left running; returns its exit code. Cancelling <paramref name="kill"/> kills all of it.
    /// </summary>
    public async Task<int> RunAsync(Action<string> onStdout, Action<string> onStderr, CancellationToken kill)
    {
        var output = Task.WhenAll(PumpAsync(process.StandardOutput, onStdout), PumpAsync(process.StandardError, onStderr));
        using (kill.Register(KillAll))
        {
            await process.WaitForExitAsync(CancellationToken.None);
        }

        // Background jobs may still hold the output open: ending them closes it. The timeout only
        // guards against a process that escaped the container.
        await container.EndAsync();
        CloseInput();
        await output.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        // Closing our end of the pipe makes the launcher end the try, should anything be left.
        CloseInput();
        await container.DisposeAsync();
        process.Dispose();
    }

    private void KillAll()
    {
        container.Kill(process.Id);
        CloseInput();
    }

    private void CloseInput()
    {
        if (Interlocked.Exchange(ref inputClosed, 1) == 0)
        {
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The launcher is gone already: nothing left to tell.
            }
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
