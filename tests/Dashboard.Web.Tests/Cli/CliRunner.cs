using Dashboard.Web.Cli;

namespace Dashboard.Web.Tests.Cli;

/// <summary>What one command printed and how it exited.</summary>
public sealed record CliOutcome(int ExitCode, string Out, string Error)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Out}--- stderr ---\n{Error}";
}

/// <summary>The command line, run in-process (CliApp.RunAsync is the entry point Program.cs calls) against one database.</summary>
public static class CliRunner
{
    /// <summary>A command with no one at stdin, as in a script.</summary>
    public static Task<CliOutcome> RunAsync(string? connectionString, params string[] args) =>
        RunAsync(connectionString, new CliStdin("", Interactive: false), args);

    public static async Task<CliOutcome> RunAsync(string? connectionString, CliStdin stdin, params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var console = new CliConsole(new StringReader(stdin.Text), output, error, stdin.Interactive);
        string[] all = connectionString is null ? args : [.. args, $"--ConnectionStrings:Dashboard={connectionString}"];
        var exitCode = await CliApp.RunAsync(all, console);
        return new CliOutcome(exitCode, output.ToString(), error.ToString());
    }
}

/// <param name="Interactive">Whether stdin is a terminal a person answers at.</param>
public sealed record CliStdin(string Text, bool Interactive);
