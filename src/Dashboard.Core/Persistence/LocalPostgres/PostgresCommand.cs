using System.Diagnostics;

namespace Dashboard.Core.Persistence.LocalPostgres;

/// <summary>
/// Runs PostgreSQL's programs. initdb and postgres refuse to run as root, so when this process is
/// root they run as the <c>postgres</c> system user through <c>runuser</c>.
/// </summary>
internal sealed class PostgresCommand(PostgresBinaries binaries)
{
    public const string ServiceUser = "postgres";

    public static bool RunsAsServiceUser => Environment.IsPrivilegedProcess;

    public Task<CommandResult> InitDbAsync(IEnumerable<string> args, CancellationToken ct) => RunAsync(binaries.InitDb, args, ct);

    public Task<CommandResult> PgCtlAsync(IEnumerable<string> args, CancellationToken ct) => RunAsync(binaries.PgCtl, args, ct);

    /// <summary>True when the service user can open <paramref name="directory"/> (read and traverse it).</summary>
    public static async Task<bool> ServiceUserCanEnterAsync(string directory, CancellationToken ct) =>
        (await RunProcessAsync("runuser", ["-u", ServiceUser, "--", "test", "-r", directory, "-a", "-x", directory], ct)).ExitCode == 0;

    public static async Task GiveToServiceUserAsync(string directory, CancellationToken ct)
    {
        var result = await RunProcessAsync("chown", ["-R", $"{ServiceUser}:{ServiceUser}", directory], ct);
        if (result.ExitCode != 0)
        {
            throw new LocalPostgresException($"Could not give {directory} to the '{ServiceUser}' user: {result.Output.Trim()}");
        }
    }

    private static Task<CommandResult> RunAsync(string program, IEnumerable<string> args, CancellationToken ct) =>
        RunsAsServiceUser
            ? RunProcessAsync("runuser", ["-u", ServiceUser, "--", program, .. args], ct)
            : RunProcessAsync(program, args, ct);

    private static async Task<CommandResult> RunProcessAsync(string program, IEnumerable<string> args, CancellationToken ct)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            startInfo.ArgumentList.Add(arg);
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LocalPostgresException($"Could not run {program}: {e.Message}", e);
        }

        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return new CommandResult(process.ExitCode, (await stdout) + (await stderr));
    }
}

internal sealed record CommandResult(int ExitCode, string Output);
