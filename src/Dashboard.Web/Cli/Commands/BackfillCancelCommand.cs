using System.CommandLine;
using Dashboard.Core.Operations.Backfill;

namespace Dashboard.Web.Cli.Commands;

/// <summary><c>backfill cancel</c>: its queued runs fail, running ones finish, and then it is complete.</summary>
internal sealed class BackfillCancelCommand : CliCommand
{
    private readonly Option<int> _id = BackfillIdOption.Create();

    public BackfillCancelCommand()
        : base("cancel", "Cancel an active backfill: its queued runs fail; running ones finish, then it is complete.") =>
        Options.Add(_id);

    public override CliInvocation Bind(ParseResult result)
    {
        var id = result.GetRequiredValue(_id);
        return (run, ct) => RunAsync(id, run, ct);
    }

    private static async Task<int> RunAsync(int id, CliRun run, CancellationToken ct)
    {
        var failed = await run.Services.GetRequiredService<BackfillService>().CancelAsync(id, run.Actor, ct);
        await run.Out.WriteLineAsync($"Cancelled backfill #{id}: {CliText.Count(failed, "queued run")} failed; running runs finish.");
        return ExitCodes.Success;
    }
}
