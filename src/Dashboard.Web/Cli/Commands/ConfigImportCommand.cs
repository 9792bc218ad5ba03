using System.CommandLine;
using Dashboard.Core.Connections;

namespace Dashboard.Web.Cli.Commands;

/// <summary>
/// <c>connections import</c> and <c>variables import</c>: every entry of a JSON file (export's format)
/// created or replaced, all or none. An entry without its secret keeps the stored one, so a file
/// exported without secrets imports back without losing them.
/// </summary>
internal sealed class ConfigImportCommand : CliCommand
{
    private readonly ConfigKind _kind;

    private readonly Argument<string> _file = new("FILE") { Description = "The JSON file to read, or - for stdin." };

    public ConfigImportCommand(ConfigKind kind)
        : base("import", $"Import {kind.Plural} from a JSON file: each is created, or replaced if it exists; all or none.")
    {
        _kind = kind;
        Arguments.Add(_file);
    }

    public override CliInvocation Bind(ParseResult result)
    {
        var file = result.GetRequiredValue(_file);
        return (run, ct) => RunAsync(file, run, ct);
    }

    private async Task<int> RunAsync(string file, CliRun run, CancellationToken ct)
    {
        var json = await CliFiles.ReadAsync(file, run.Console.In, ConnectionRules.MaxImportBytes, ct);
        var imported = await _kind.ImportAsync(run.Services, run.Actor, json, ct);
        await run.Out.WriteLineAsync(
            $"Imported {_kind.Plural} from {(file == CliFiles.Standard ? "stdin" : file)}: {imported.Created} created, {imported.Updated} changed, the others unchanged.");
        return ExitCodes.Success;
    }
}
