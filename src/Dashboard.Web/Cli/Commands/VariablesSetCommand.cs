using System.CommandLine;
using Dashboard.Core.Connections;

namespace Dashboard.Web.Cli.Commands;

/// <summary>
/// <c>variables set</c>: creates or replaces a variable, as in Airflow. A variable that is secret
/// stays secret, and one whose key names a secret (<c>api_token</c>) is stored as one, so a script
/// cannot store a secret in the clear by leaving out --secret.
/// </summary>
internal sealed class VariablesSetCommand : CliCommand
{
    private readonly Argument<string> _key = new("KEY") { Description = "The variable's key: letters, digits and '_'." };

    private readonly Argument<string> _value = new("VALUE") { Description = "The value, as text; JSON that tasks read with var.json." };

    private readonly Option<string> _description = new("--description")
    {
        Description = "What the variable is for; without it, an existing variable keeps its description.", HelpName = "TEXT",
    };

    private readonly Option<bool> _secret = new("--secret")
    {
        Description = "Store the value encrypted and show it as *** (a key naming a secret, such as api_token, always is).",
    };

    public VariablesSetCommand()
        : base("set", "Create a variable, or replace its value.")
    {
        Arguments.Add(_key);
        Arguments.Add(_value);
        Options.Add(_description);
        Options.Add(_secret);
    }

    public override bool TakesSecrets => true;

    public override CliInvocation Bind(ParseResult result)
    {
        var (key, value, description, secret) =
            (result.GetRequiredValue(_key), result.GetRequiredValue(_value), result.GetValue(_description), result.GetValue(_secret));
        return (run, ct) => RunAsync(key, value, description, secret, run, ct);
    }

    private static async Task<int> RunAsync(string key, string value, string? description, bool secret, CliRun run, CancellationToken ct)
    {
        var service = run.Services.GetRequiredService<VariableService>();
        var stored = (await service.ListAsync(key, ct)).FirstOrDefault(v => v.Key == key && v.Source == ConfigSource.Database);
        var isSecret = secret || stored?.IsSecret == true || SensitiveNames.IsSensitive(key);
        await service.SaveAsync(run.Actor, new VariableEdit(key, value, isSecret, description ?? stored?.Description, SaveMode.Upsert), ct: ct);
        await run.Out.WriteLineAsync($"Variable {key} {(stored is null ? "created" : "updated")}{(isSecret ? " (secret: stored encrypted, shown as ***)" : "")}");
        await ConnectionsText.WarnIfVariableOverriddenAsync(run, key);
        return ExitCodes.Success;
    }
}
