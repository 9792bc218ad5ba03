using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Dashboard.Web.Cli;

/// <summary>
/// --help: System.CommandLine's help, then what its layout has no place for: a command's
/// <see cref="CliCommand.Details"/>, where the database comes from, and what the exit codes mean.
/// </summary>
internal sealed class CliHelpAction(HelpAction help) : SynchronousCommandLineAction
{
    private const string SettingsNote =
        "The database is the app's: ConnectionStrings:Dashboard, or else the embedded cluster in Database:DataDirectory\n" +
        "(the running app's, or started for the command when the app is not running). Settings come from appsettings.json\n" +
        "and environment variables as for the app, or as --Section:Key=value, e.g. --ConnectionStrings:Dashboard=\"Host=...\".\n" +
        "A response file, @FILE, holds a command and its options (several to a line, # for a comment); settings stay outside it.";

    private const string ExitCodesNote =
        "Exit codes: 0 done (also a dry run, or nothing to do), 1 refused by a rule (the reason is on stderr),\n" +
        "2 bad command line, 3 database unreachable or behind this build, 70 unexpected error, 130 interrupted.";

    /// <summary>Help is asked for, so whatever else is wrong with the command line is not reported.</summary>
    public override bool ClearsParseErrors => help.ClearsParseErrors;

    public override int Invoke(ParseResult parseResult)
    {
        help.Invoke(parseResult);
        var output = parseResult.InvocationConfiguration.Output;
        if (parseResult.CommandResult.Command is CliCommand { Details: { } details })
        {
            output.WriteLine(details);
            output.WriteLine();
        }

        output.WriteLine(SettingsNote);
        output.WriteLine();
        output.WriteLine(ExitCodesNote);
        return ExitCodes.Success;
    }
}
