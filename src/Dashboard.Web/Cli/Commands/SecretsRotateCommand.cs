using Dashboard.Core.Connections;

namespace Dashboard.Web.Cli.Commands;

/// <summary><c>secrets rotate</c>: a new key for secrets now, every stored secret encrypted again with it.</summary>
internal sealed class SecretsRotateCommand() : CliCommand(
    "rotate", "Start a new key for connection passwords, extras and secret variables now, and encrypt every stored secret again with it.")
{
    public override CliInvocation Bind(System.CommandLine.ParseResult result) => async (run, ct) =>
    {
        var count = await run.Services.GetRequiredService<SecretRotation>().RotateAsync(run.Actor, ct);
        await run.Out.WriteLineAsync($"A new key encrypts secrets from now on; {count} stored secret{(count == 1 ? " was" : "s were")} encrypted again with it. The older keys stay to read anything written with them meanwhile.");
        return ExitCodes.Success;
    };
}
