namespace Dashboard.Web.Cli.Commands;

/// <summary>The --id option of the commands that act on one backfill.</summary>
internal static class BackfillIdOption
{
    public static readonly CliOption Option = new("id", "The backfill's id, as 'backfill list' shows it.", "ID", Required: true);

    /// <exception cref="CliUsageException">The id is not a positive whole number.</exception>
    public static int Read(CliArguments arguments) => arguments.Int(Option.Name) is { } id and > 0
        ? id
        : throw new CliUsageException($"--id must be a positive whole number, got '{arguments.Text(Option.Name)}'");
}
