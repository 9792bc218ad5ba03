using System.CommandLine;

namespace Dashboard.Web.Cli.Commands;

/// <summary>The --id option of the commands that act on one backfill.</summary>
internal static class BackfillIdOption
{
    public static Option<int> Create() => new("--id")
    {
        Description = "The backfill's id, as 'backfill list' shows it.",
        HelpName = "ID",
        Required = true,
        CustomParser = CliParsers.PositiveWholeNumber,
    };
}
