using Dashboard.Core.Security;
namespace Dashboard.Web.Cli;

/// <summary>One option of a command: a flag when it has no <see cref="ValueName"/>.</summary>
/// <param name="Name">The long name without its dashes: <c>dag-id</c> is given as <c>--dag-id</c>.</param>
/// <param name="ShortName">Airflow's one-letter alias, where it has one (<c>-t</c> for <c>--task-regex</c>).</param>
internal sealed record CliOption(string Name, string Help, string? ValueName = null, char? ShortName = null, bool Required = false)
{
    public bool IsFlag => ValueName is null;

    public string Display => (ShortName is { } letter ? $"-{letter}, " : "") + $"--{Name}" + (IsFlag ? "" : $" {ValueName}");
}

/// <summary>What runs once the command line is read and the database is open.</summary>
internal delegate Task<int> CliInvocation(CliRun run, CancellationToken ct);

/// <summary>What a command works with: the console, Core's services on the app's database, and who is acting.</summary>
internal sealed record CliRun(CliConsole Console, IServiceProvider Services, Actor Actor)
{
    public TextWriter Out => Console.Out;

    public TextWriter Error => Console.Error;
}

/// <summary>
/// A verb such as <c>backfill create</c>. <see cref="Bind"/> reads and checks the whole command line
/// before anything touches the database, so a typo costs nothing and always exits with the usage.
/// </summary>
internal abstract class CliCommand
{
    public abstract string Group { get; }

    public abstract string Name { get; }

    /// <summary>One line, for the list of commands.</summary>
    public abstract string Summary { get; }

    /// <summary>More about what the command does, shown under its usage by --help.</summary>
    public virtual string? Description => null;

    public abstract IReadOnlyList<CliOption> Options { get; }

    /// <summary>The option a bare argument fills (Airflow's <c>tasks clear DAG_ID</c>), or null when bare arguments are errors.</summary>
    public virtual string? PositionalOption => null;

    public string FullName => $"{Group} {Name}";

    /// <exception cref="CliUsageException">A value is malformed or options conflict.</exception>
    public abstract CliInvocation Bind(CliArguments arguments);
}
