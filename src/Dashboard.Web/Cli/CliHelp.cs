namespace Dashboard.Web.Cli;

/// <summary>The texts of --help and of usage errors.</summary>
internal static class CliHelp
{
    private const string SettingsNote =
        "The database is the app's: ConnectionStrings:Dashboard, or else the embedded cluster in Database:DataDirectory\n" +
        "(the running app's, or started for the command when the app is not running). Settings come from appsettings.json\n" +
        "and environment variables as for the app, or as --Section:Key=value, e.g. --ConnectionStrings:Dashboard=\"Host=...\".";

    private const string ExitCodesNote =
        "Exit codes: 0 done (also a dry run, or nothing to do), 1 refused by a rule (the reason is on stderr),\n" +
        "2 bad command line, 3 database unreachable or behind this build, 70 unexpected error.";

    public static void WriteOverview(TextWriter writer, IReadOnlyList<CliCommand> commands)
    {
        writer.WriteLine($"Usage: {CliApp.ProgramName} [COMMAND] [options] [--Section:Key=value ...]");
        writer.WriteLine();
        writer.WriteLine("With no command it runs the app: the web UI, the scheduler and the executor.");
        writer.WriteLine("With a command it works on the app's database through the same services as the UI, then exits.");
        writer.WriteLine();
        writer.WriteLine("Commands:");
        WriteCommandList(writer, commands);
        writer.WriteLine();
        writer.WriteLine($"Run '{CliApp.ProgramName} COMMAND --help' for a command's options.");
        writer.WriteLine();
        writer.WriteLine(SettingsNote);
        writer.WriteLine();
        writer.WriteLine(ExitCodesNote);
    }

    public static void WriteGroup(TextWriter writer, string group, IReadOnlyList<CliCommand> commands)
    {
        writer.WriteLine($"Usage: {CliApp.ProgramName} {group} {string.Join('|', commands.Select(c => c.Name))} [options]");
        writer.WriteLine();
        writer.WriteLine("Commands:");
        WriteCommandList(writer, commands);
        writer.WriteLine();
        writer.WriteLine($"Run '{CliApp.ProgramName} {group} COMMAND --help' for a command's options.");
    }

    public static void WriteCommand(TextWriter writer, CliCommand command)
    {
        writer.WriteLine(UsageLine(command));
        writer.WriteLine();
        writer.WriteLine(command.Summary);
        if (command.Description is { } description)
        {
            writer.WriteLine();
            writer.WriteLine(description);
        }

        writer.WriteLine();
        writer.WriteLine("Options:");
        var options = command.Options.Append(new CliOption("help", "Show this help.", ShortName: 'h')).ToList();
        var width = options.Max(o => o.Display.Length) + 2;
        foreach (var option in options)
        {
            writer.WriteLine($"  {option.Display.PadRight(width)}{option.Help}{(option.Required ? " Required." : "")}");
        }

        writer.WriteLine();
        writer.WriteLine(SettingsNote);
        writer.WriteLine();
        writer.WriteLine(ExitCodesNote);
    }

    /// <summary>Required options spelled out, the rest as [options]: what a usage error shows.</summary>
    public static string UsageLine(CliCommand command)
    {
        var required = command.Options.Where(o => o.Required && o.Name != command.PositionalOption).Select(o => $"--{o.Name} {o.ValueName}");
        var positional = command.PositionalOption is { } name && command.Options.Single(o => o.Name == name) is var option
            ? [$"[{option.ValueName} | --{name} {option.ValueName}]"]
            : Array.Empty<string>();
        return $"Usage: {CliApp.ProgramName} {command.FullName} {string.Join(' ', positional.Concat(required))} [options]".Replace("  ", " ", StringComparison.Ordinal);
    }

    private static void WriteCommandList(TextWriter writer, IEnumerable<CliCommand> commands)
    {
        foreach (var command in commands)
        {
            writer.WriteLine($"  {command.FullName,-18}{command.Summary}");
        }
    }
}
