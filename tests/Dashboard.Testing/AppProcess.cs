using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Dashboard.Testing;

/// <summary>
/// The built app as its own OS process, started the way a person starts it, for what only a real
/// process shows: exit codes, the console, SIGTERM and SIGKILL.
/// </summary>
public sealed partial class AppProcess : IAsyncDisposable
{
    /// <summary>
    /// Only what turns a start that hangs into a failure: on a busy 2-CPU machine, four apps starting
    /// together while browser tests run take well over a minute, and a start waits for nothing shorter.
    /// </summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Task _errors = Task.CompletedTask;

    private AppProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string ErrorOutput { get; private set; } = "";

    public static AppProcess Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment = null, string? appDirectory = null)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Path.Combine(appDirectory ?? RepositoryLayout.WebAppOutput, "Dashboard.Web.dll"));
        startInfo.Environment["Urls"] = "http://127.0.0.1:0";
        startInfo.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        var app = new AppProcess(new Process { StartInfo = startInfo });
        app._process.OutputDataReceived += (_, line) => app.OnOutput(line.Data);
        app._process.Start();
        app._process.BeginOutputReadLine();
        app._errors = app.ReadErrorsAsync();
        return app;
    }

    /// <summary>The address Kestrel reports once the app is up.</summary>
    public async Task<Uri> WaitUntilListeningAsync()
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_listening.Task, exited, Task.Delay(StartTimeout));
        if (first == _listening.Task)
        {
            return await _listening.Task;
        }

        throw new InvalidOperationException(
            $"The app did not start listening ({(first == exited ? $"exit code {_process.ExitCode}" : "timed out")}).\n{Output}\n{ErrorOutput}");
    }

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        await _process.WaitForExitAsync(timeout.Token);

        // The process may exit before its last error output has been read: ErrorOutput is whole only then.
        await _errors.WaitAsync(timeout.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the machine or the OOM killer ends the app.</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    /// <summary>SIGTERM: the polite stop a service manager sends.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Terminate();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }

        _process.Dispose();
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups["url"].Value));
        }
    }

    private async Task ReadErrorsAsync() => ErrorOutput = await _process.StandardError.ReadToEndAsync();

    [GeneratedRegex(@"Now listening on: (?<url>http://\S+)")]
    private static partial Regex ListeningLine();
}
