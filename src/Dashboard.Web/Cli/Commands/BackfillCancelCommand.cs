using Dashboard.Core.Operations.Backfill;

namespace Dashboard.Web.Cli.Commands;

/// <summary><c>backfill cancel</c>: its queued runs fail, running ones finish, and then it is complete.</summary>
internal sealed class BackfillCancelCommand : CliCommand
{
    public override string Group => "backfill";

    public override string Name => "cancel";

    public override string Summary => "Cancel an active backfill: its queued runs fail; running ones finish, then it is complete.";

    public override IReadOnlyList<CliOption> Options { get; } = [BackfillIdOption.Option];

    public override CliInvocation Bind(CliArguments arguments)
    {
        var id = BackfillIdOption.Read(arguments);
        return (run, ct) => RunAsync(id, run, ct);
    }

    private static async Task<int> RunAsync(int id, CliRun run, CancellationToken ct)
    {
        var failed = await run.Services.GetRequiredService<BackfillService>().CancelAsync(id, run.Actor, ct);
        await run.Out.WriteLineAsync($"Cancelled backfill #{id}: {CliText.Count(failed, "queued run")} failed; running runs finish.");
        return ExitCodes.Success;
    }
}
