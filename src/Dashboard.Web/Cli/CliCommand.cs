using System.CommandLine;
using Dashboard.Core.Security;

namespace Dashboard.Web.Cli;

/// <summary>What runs once the command line is read and the database is open.</summary>
internal delegate Task<int> CliInvocation(CliRun run, CancellationToken ct);

/// <summary>What a command works with: the console, Core's services on the app's database, and who is acting.</summary>
internal sealed record CliRun(CliConsole Console, IServiceProvider Services, Actor Actor)
{
    public TextWriter Out => Console.Out;

    public TextWriter Error => Console.Error;
}

/// <summary>
/// A verb such as <c>backfill create</c>, with its options. System.CommandLine reads and checks the
/// whole command line before <see cref="Bind"/> runs, and before anything touches the database, so
/// a typo costs nothing and always exits with the usage.
/// </summary>
/// <param name="summary">One line, for the list of commands and the top of the command's help.</param>
internal abstract class CliCommand(string name, string summary) : Command(name, summary)
{
    /// <summary>More about what the command does, shown after its options by --help.</summary>
    public virtual string? Details => null;

    /// <summary>
    /// The command takes secrets (a password, a secret value): a word it does not recognize, which may
    /// be one of them typed after a misspelt option, is not quoted back in an error.
    /// </summary>
    public virtual bool TakesSecrets => false;

    /// <summary>Turns the checked values into what runs on the database.</summary>
    public abstract CliInvocation Bind(ParseResult result);
}
