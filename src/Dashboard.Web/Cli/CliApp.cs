using Dashboard.Core.Security;
using System.Net.Sockets;
using Dashboard.Core.Operations;
using Dashboard.Core.Persistence;
using Dashboard.Core.Persistence.LocalPostgres;
using Dashboard.Web.Cli.Commands;
using Dashboard.Web.Hosting;
using Npgsql;

namespace Dashboard.Web.Cli;

/// <summary>
/// The app's executable as a command-line tool: <c>backfill create|list|pause|unpause|cancel</c> and
/// <c>tasks clear</c>, in Airflow's spelling, calling the same services as the UI on the app's database.
/// </summary>
public static class CliApp
{
    public const string ProgramName = "Dashboard.Web";

    private static readonly IReadOnlyList<CliCommand> Commands =
    [
        new BackfillCreateCommand(),
        new BackfillListCommand(),
        new BackfillPauseCommand(paused: true),
        new BackfillPauseCommand(paused: false),
        new BackfillCancelCommand(),
        new TasksClearCommand(),
    ];

    /// <summary>
    /// True when the arguments ask for a command (or for help) rather than for the web app. The app
    /// takes only settings (<c>--urls x</c>, <c>--Key=value</c>, <c>Key=value</c>), so any other first
    /// word is a command, and a misspelt one is reported as such instead of starting the app.
    /// </summary>
    public static bool Handles(IReadOnlyList<string> args) =>
        args.Count > 0 && (IsHelp(args[0]) || !args[0].StartsWith('-') && !args[0].StartsWith('/') && !args[0].Contains('=', StringComparison.Ordinal));

    /// <summary>Runs a command on the process's console; the first Ctrl+C cancels it, a second one ends the process.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = !cancel.IsCancellationRequested;
            cancel.Cancel();
        };
        return await RunAsync(args, CliConsole.System, cancel.Token);
    }

    /// <returns>One of <see cref="ExitCodes"/>.</returns>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken ct = default)
    {
        CliInvocation invocation;
        List<string> settings;
        CliCommand? command = null;
        try
        {
            (settings, var tokens) = SplitSettings(args);
            if (tokens.Count == 0 || IsHelp(tokens[0]) || tokens[0] == "help")
            {
                CliHelp.WriteOverview(tokens.Count == 0 ? console.Error : console.Out, Commands);
                return tokens.Count == 0 ? ExitCodes.Usage : ExitCodes.Success;
            }

            var group = Commands.Where(c => c.Group == tokens[0]).ToList();
            if (group.Count == 0)
            {
                throw new CliUsageException($"unknown command '{tokens[0]}'");
            }

            if (tokens.Count == 1 || IsHelp(tokens[1]))
            {
                CliHelp.WriteGroup(tokens.Count == 1 ? console.Error : console.Out, tokens[0], group);
                return tokens.Count == 1 ? ExitCodes.Usage : ExitCodes.Success;
            }

            command = group.FirstOrDefault(c => c.Name == tokens[1])
                      ?? throw new CliUsageException($"unknown command '{tokens[0]} {tokens[1]}'");
            var rest = tokens.Skip(2).ToList();
            if (CliParser.AsksForHelp(rest))
            {
                CliHelp.WriteCommand(console.Out, command);
                return ExitCodes.Success;
            }

            invocation = command.Bind(CliParser.Parse(command, rest));
        }
        catch (CliUsageException e)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}");
            await console.Error.WriteLineAsync(command is null
                ? $"Run '{ProgramName} --help' for the commands."
                : $"{CliHelp.UsageLine(command)}\nRun '{ProgramName} {command.FullName} --help' for its options.");
            return ExitCodes.Usage;
        }

        return await InvokeAsync(invocation, settings, console, ct);
    }

    private static async Task<int> InvokeAsync(CliInvocation invocation, List<string> settings, CliConsole console, CancellationToken ct)
    {
        try
        {
            using var configuration = DashboardWebApplication.CreateBuilder([.. settings]).Configuration;
            await using var database = await CliDatabase.OpenAsync(configuration, console.Error, ct);
            return await invocation(new CliRun(console, database.Services, CommandLineActor), ct);
        }
        catch (Exception) when (ct.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("Cancelled.");
            return ExitCodes.Cancelled;
        }
        catch (OperationRefusedException e)
        {
            await console.Error.WriteLineAsync(e.Message);
            return ExitCodes.Refused;
        }
        catch (CliUsageException e)
        {
            await console.Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e) when (DatabaseProblem(e) is { } problem)
        {
            await console.Error.WriteLineAsync(problem);
            return ExitCodes.DatabaseUnavailable;
        }
        catch (Exception e)
        {
            await console.Error.WriteLineAsync($"Unexpected error ({e.GetType().Name}): {e.Message}");
            return ExitCodes.Internal;
        }
    }

    /// <summary>Why the database could not be used, in one line, or null when <paramref name="e"/> is about something else.</summary>
    private static string? DatabaseProblem(Exception e) => e switch
    {
        LocalPostgresException or DatabaseUnavailableException => e.Message,
        PostgresException pg when IsConnectionProblem(pg.SqlState) => $"Cannot use the database: {pg.MessageText} (SQLSTATE {pg.SqlState})",
        PostgresException => null,
        NpgsqlException or SocketException or TimeoutException => $"Cannot reach the database: {e.Message}",
        { InnerException: { } inner } => DatabaseProblem(inner),
        _ => null,
    };

    /// <summary>Connection exceptions (08), admin shutdown and the like (57P), bad credentials (28), no such database (3D).</summary>
    private static bool IsConnectionProblem(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) || sqlState.StartsWith("57P", StringComparison.Ordinal)
        || sqlState.StartsWith("28", StringComparison.Ordinal) || sqlState.StartsWith("3D", StringComparison.Ordinal);

    private static bool IsHelp(string token) => token is "--help" or "-h";

    /// <summary>
    /// Separates the app's settings (<c>--Section:Key=value</c> or <c>--Section:Key value</c>, the
    /// shape .NET's configuration reads from a command line) from the command's own tokens.
    /// </summary>
    private static (List<string> Settings, List<string> Tokens) SplitSettings(IReadOnlyList<string> args)
    {
        var (settings, tokens) = (new List<string>(), new List<string>());
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i].Split('=', 2)[0];
            if (!name.StartsWith("--", StringComparison.Ordinal) || !name.Contains(':', StringComparison.Ordinal))
            {
                tokens.Add(args[i]);
            }
            else if (args[i].Contains('=', StringComparison.Ordinal))
            {
                settings.Add(args[i]);
            }
            else
            {
                settings.Add($"{name}={(i + 1 < args.Count ? args[++i] : throw new CliUsageException($"the setting {name} needs a value"))}");
            }
        }

        return (settings, tokens);
    }

    /// <summary>
    /// The command line acts as the OS user, with the Admin role: whoever can run it can reach the
    /// database it uses directly, so a role check there would guard nothing.
    /// </summary>
    private static Actor CommandLineActor => new($"cli:{Environment.UserName}", Role.Admin);
}
