using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dashboard.Core.Connections;
using Dashboard.Core.Operations;
using Dashboard.Core.Persistence;
using Dashboard.Core.Persistence.LocalPostgres;
using Dashboard.Core.Security;
using Dashboard.Web.Cli.Commands;
using Dashboard.Web.Hosting;
using Npgsql;

namespace Dashboard.Web.Cli;

/// <summary>
/// The app's executable as a command-line tool: <c>backfill create|list|pause|unpause|cancel</c>,
/// <c>tasks clear</c>, <c>connections add|get|list|delete|export|import</c> and
/// <c>variables set|get|list|delete|export|import</c>, in Airflow's spelling, calling the same services as the UI on the app's
/// database. System.CommandLine reads the command line, writes help and completions, and expands
/// response files; this class adds the app's settings, the database and the exit codes.
/// </summary>
public static class CliApp
{
    /// <summary>
    /// True when the arguments ask for a command (or for help) rather than for the web app. The app
    /// takes only settings (<c>--urls x</c>, <c>--Key=value</c>, <c>Key=value</c>), so any other first
    /// word is a command, and a misspelt one is reported as such instead of starting the app. So are
    /// the root command's own options (<c>--help</c>, <c>--version</c>), a directive such as
    /// <c>[suggest]</c> and a response file (<c>@file</c>).
    /// </summary>
    public static bool Handles(IReadOnlyList<string> args) =>
        args.Count > 0 && (IsRootOption(args[0])
                           || !args[0].StartsWith('-') && !args[0].StartsWith('/') && !args[0].Contains('=', StringComparison.Ordinal));

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
        if (!TrySplitSettings(args, out var settings, out var tokens, out var settingWithoutValue))
        {
            await console.Error.WriteLineAsync($"error: the setting {settingWithoutValue} needs a value");
            return ExitCodes.Usage;
        }

        var result = CreateRootCommand(settings, console).Parse(tokens);
        if (result.Errors.Count > 0)
        {
            await WriteUsageErrorAsync(console.Error, result);
            return ExitCodes.Usage;
        }

        try
        {
            return await result.InvokeAsync(new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,

                // Failures are reported below, in one line with an exit code that tells what kind, never as a stack trace.
                EnableDefaultExceptionHandler = false,

                // Ctrl+C is handled above: the command's own clean-up (stopping a server it started) must not be cut short.
                ProcessTerminationTimeout = null,
            }, ct);
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
        catch (SecretUnreadableException e)
        {
            // A secret stored with a key this key ring lacks: a state to fix (set it again), not a bug; the message holds no secret.
            await console.Error.WriteLineAsync(e.Message);
            return ExitCodes.Refused;
        }
        catch (RegexMatchTimeoutException e)
        {
            // Matching comes before any change, so a pattern that backtracks without end has changed nothing.
            await console.Error.WriteLineAsync(
                $"error: the regular expression '{e.Pattern}' took longer than {e.MatchTimeout.TotalSeconds:0.#} s on '{e.Input}'; nothing was changed");
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

    /// <summary>The commands, each run on the database that <paramref name="settings"/> name, with <paramref name="console"/>.</summary>
    private static RootCommand CreateRootCommand(IReadOnlyList<string> settings, CliConsole console)
    {
        var root = new RootCommand(
            "With no command, Dashboard runs the app: the web UI, the scheduler and the executor. With a command, it works on " +
            "the app's database through the same services as the UI, then exits.")
        {
            new Command("backfill", "Create, list, pause, unpause and cancel backfills: runs of a DAG over a range of past dates.")
            {
                new BackfillCreateCommand(),
                new BackfillListCommand(),
                new BackfillPauseCommand(paused: true),
                new BackfillPauseCommand(paused: false),
                new BackfillCancelCommand(),
            },
            new Command("tasks", "Act on task instances.") { new TasksClearCommand() },
            new Command("connections", "Add, show, list, delete, export and import connections: how tasks reach other systems.")
            {
                new ConnectionsAddCommand(),
                new ConnectionsGetCommand(),
                new ConnectionsListCommand(),
                new ConnectionsDeleteCommand(),
                new ConfigExportCommand(ConfigKind.Connections),
                new ConfigImportCommand(ConfigKind.Connections),
            },
            new Command("variables", "Set, show, list, delete, export and import variables: settings tasks read at run time.")
            {
                new VariablesSetCommand(),
                new VariablesGetCommand(),
                new VariablesListCommand(),
                new VariablesDeleteCommand(),
                new ConfigExportCommand(ConfigKind.Variables),
                new ConfigImportCommand(ConfigKind.Variables),
            },
            new Command("secrets", "Manage the key that encrypts secrets.") { new SecretsRotateCommand() },
        };

        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new CliHelpAction((HelpAction)help.Action!);
        foreach (var command in Descendants(root))
        {
            if (command is CliCommand verb)
            {
                verb.SetAction((result, ct) => RunOnDatabaseAsync(verb.Bind(result), settings, console, ct));
            }
            else
            {
                command.SetAction(result => ListCommands(root, result));
            }
        }

        return root;

        static IEnumerable<Command> Descendants(Command command) => command.Subcommands.SelectMany(Descendants).Prepend(command);
    }

    private static async Task<int> RunOnDatabaseAsync(CliInvocation invocation, IReadOnlyList<string> settings, CliConsole console, CancellationToken ct)
    {
        using var configuration = DashboardWebApplication.CreateBuilder([.. settings]).Configuration;
        await using var database = await CliDatabase.OpenAsync(configuration, console.Error, ct);
        return await invocation(new CliRun(console, database.Services, CommandLineActor), ct);
    }

    /// <summary>
    /// A group named without one of its commands, or no command at all: its help, which lists them,
    /// as a usage error (on stderr, exit 2), since a script that gets here has asked for nothing.
    /// </summary>
    private static int ListCommands(RootCommand root, ParseResult result)
    {
        root.Parse([.. CommandPath(result.CommandResult).Skip(1), "--help"])
            .Invoke(new InvocationConfiguration { Output = result.InvocationConfiguration.Error });
        return ExitCodes.Usage;
    }

    /// <summary>Each parse error on a line of its own, then where to read how the command is used.</summary>
    private static async Task WriteUsageErrorAsync(TextWriter error, ParseResult result)
    {
        // After a misspelt option (--conn-pasword x) its value is an unrecognized word too: an option's name is quoted, such a word
        // (or what follows '=' in --conn-pasword=x) is not.
        var hidden = result.CommandResult.Command is CliCommand { TakesSecrets: true }
            ? result.UnmatchedTokens.Select(t => (Quoted: $"'{t}'", Shown: ShownWord(t))).Where(w => w.Quoted != w.Shown).ToList()
            : [];
        foreach (var parseError in result.Errors)
        {
            var message = hidden.Aggregate(parseError.Message, (text, word) => text.Replace(word.Quoted, word.Shown, StringComparison.Ordinal));
            await error.WriteLineAsync($"error: {message}");
        }

        var help = $"{string.Join(' ', CommandPath(result.CommandResult))} --help";
        await error.WriteLineAsync($"Run '{help}' for its {(result.CommandResult.Command is CliCommand ? "options" : "commands")}.");
    }

    /// <summary>An unrecognized word as an error may quote it when it could be a secret: an option's name only.</summary>
    private static string ShownWord(string token) => token switch
    {
        _ when !token.StartsWith('-') => "(a word not shown, since it may be a secret)",
        _ when token.IndexOf('=') is var equals and > 0 => $"'{token[..equals]}=...'",
        _ => $"'{token}'",
    };

    /// <summary>The names from the root down to <paramref name="result"/>'s command, as typed: <c>Dashboard.Web tasks clear</c>.</summary>
    private static IEnumerable<string> CommandPath(CommandResult? result) =>
        result is null ? [] : CommandPath(result.Parent as CommandResult).Append(result.Command.Name);

    /// <summary>The root command's own options, as System.CommandLine names them.</summary>
    private static bool IsRootOption(string token) =>
        new RootCommand().Options.Any(o => o.Name == token || o.Aliases.Contains(token));

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

    /// <summary>
    /// Separates the app's settings (<c>--Section:Key=value</c> or <c>--Section:Key value</c>, the
    /// shape .NET's configuration reads from a command line) from the command's own tokens.
    /// </summary>
    /// <param name="settingWithoutValue">The setting that ends the command line without its value.</param>
    private static bool TrySplitSettings(
        IReadOnlyList<string> args, out List<string> settings, out List<string> tokens, [NotNullWhen(false)] out string? settingWithoutValue)
    {
        (settings, tokens, settingWithoutValue) = ([], [], null);
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
            else if (i + 1 < args.Count)
            {
                settings.Add($"{name}={args[++i]}");
            }
            else
            {
                settingWithoutValue = name;
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The command line acts as the OS user, with the Admin role: whoever can run it can reach the
    /// database it uses directly, so a role check there would guard nothing.
    /// </summary>
    private static Actor CommandLineActor => new($"cli:{Environment.UserName}", Role.Admin);
}
