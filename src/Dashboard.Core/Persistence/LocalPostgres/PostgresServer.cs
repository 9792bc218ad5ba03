using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dashboard.Core.Processes;

namespace Dashboard.Core.Persistence.LocalPostgres;

/// <summary>The PostgreSQL server of one data directory, through <c>pg_ctl</c> and the files the server keeps there.</summary>
internal sealed class PostgresServer(PostgresCommand command, string dataDirectory)
{
    private const string LogFileName = "server.log";

    public string DataDirectory { get; } = dataDirectory;

    private string PidFile => Path.Combine(DataDirectory, "postmaster.pid");

    private string LogFile => Path.Combine(DataDirectory, LogFileName);

    /// <summary>Starts the server with <paramref name="settings"/> (postgres command-line options) and waits until it accepts connections.</summary>
    /// <returns>Null when it started, otherwise why not, on one line (pg_ctl's answer and the end of the server's log).</returns>
    public async Task<string?> TryStartAsync(string settings, CancellationToken ct)
    {
        var result = await command.PgCtlAsync(["start", "-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", settings], ct);
        return result.ExitCode == 0 ? null : OneLine($"{result.Output} {LogTail()}");
    }

    /// <summary>Stops the server (fast: open sessions are ended, nothing is lost) and waits until it is gone.</summary>
    /// <returns>Null when it stopped, otherwise pg_ctl's answer.</returns>
    public async Task<string?> TryStopAsync(CancellationToken ct)
    {
        var result = await command.PgCtlAsync(["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60"], ct);
        return result.ExitCode == 0 ? null : OneLine(result.Output);
    }

    /// <summary>True when a server runs on the data directory, by pg_ctl's own check.</summary>
    public async Task<bool> IsRunningAsync(CancellationToken ct) => (await command.PgCtlAsync(["status", "-D", DataDirectory], ct)).ExitCode == 0;

    /// <summary>
    /// The postmaster serving the data directory, from postmaster.pid (line 1 the pid, line 4 the
    /// port, line 8 the status), once it says it is ready; null when none is.
    /// </summary>
    public (LocalProcess Postmaster, int Port)? ReadyServer()
    {
        var lines = ReadLines(PidFile);
        return lines is [var pidLine, _, _, var portLine, _, _, _, var status, ..]
               && status.Trim() == "ready"
               && int.TryParse(pidLine.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
               && int.TryParse(portLine.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
               && LocalProcess.Of(pid) is { } postmaster
            ? (postmaster, port)
            : null;
    }

    /// <summary>True when the last start failed because another process had taken the port.</summary>
    public bool PortWasTaken() => LogTail().Contains("could not bind", StringComparison.OrdinalIgnoreCase);

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string LogTail() => string.Join(" ", ReadLines(LogFile).TakeLast(5));

    private static string OneLine(string text) => string.Join(' ', text.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return []; // not written yet, or being rewritten by the server
        }
    }
}
