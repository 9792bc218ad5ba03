using System.CommandLine;

namespace Dashboard.Web.Cli.Commands;

/// <summary>
/// <c>connections export</c> and <c>variables export</c>: the database's connections or variables as
/// one JSON file, which <c>import</c> reads back. Secrets stay out of it unless --include-secrets.
/// </summary>
internal sealed class ConfigExportCommand : CliCommand
{
    private readonly ConfigKind _kind;

    private readonly Argument<string> _file = new("FILE") { Description = "The JSON file to write (replaced if it exists), or - for stdout." };

    private readonly Option<bool> _includeSecrets;

    public ConfigExportCommand(ConfigKind kind)
        : base("export", $"Export the database's {kind.Plural} to a JSON file, without their secrets unless --include-secrets.")
    {
        _kind = kind;
        _includeSecrets = new Option<bool>("--include-secrets")
        {
            Description = kind == ConfigKind.Connections
                ? "Also write the passwords and the extras' secret fields (needs the Op role; the file is readable by you alone)."
                : "Also write the values of secret variables (needs the Op role; the file is readable by you alone).",
        };
        Arguments.Add(_file);
        Options.Add(_includeSecrets);
        Validators.Add(result =>
        {
            // Airflow picks YAML or .env from the name; here a file is always JSON, so a name that promises another format is a mistake.
            var extension = Path.GetExtension(result.GetValue(_file) ?? "").ToLowerInvariant();
            if (extension is ".yaml" or ".yml" or ".env")
            {
                result.AddError($"FILE must be a JSON file: export writes JSON only, got '{result.GetValue(_file)}'");
            }
        });
    }

    public override CliInvocation Bind(ParseResult result)
    {
        var (file, includeSecrets) = (result.GetRequiredValue(_file), result.GetValue(_includeSecrets));
        return (run, ct) => RunAsync(file, includeSecrets, run, ct);
    }

    private async Task<int> RunAsync(string file, bool includeSecrets, CliRun run, CancellationToken ct)
    {
        var export = await _kind.ExportAsync(run.Services, run.Actor, includeSecrets, ct);
        await CliFiles.WriteAsync(file, CliOutput.Json(export), includeSecrets, run.Out, ct);

        // With the file on stdout, what happened goes to stderr, so the output stays the file alone.
        var report = file == CliFiles.Standard ? run.Error : run.Out;
        await report.WriteLineAsync($"{_kind.Count(export.Count)} successfully exported to {(file == CliFiles.Standard ? "stdout" : file)}" +
                                    (includeSecrets ? ", with their secrets." : ", without their secrets (--include-secrets adds them)."));
        return ExitCodes.Success;
    }
}
