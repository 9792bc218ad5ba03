using Dashboard.Core.Operations.Backfill;

namespace Dashboard.Web.Cli.Commands;

/// <summary><c>backfill pause</c> and <c>backfill unpause</c>: whether the scheduler starts the backfill's queued runs.</summary>
internal sealed class BackfillPauseCommand(bool paused) : CliCommand
{
    public override string Group => "backfill";

    public override string Name => paused ? "pause" : "unpause";

    public override string Summary => paused
        ? "Pause an active backfill: its queued runs wait; running ones finish."
        : "Unpause a paused backfill: its queued runs may start again.";

    public override IReadOnlyList<CliOption> Options { get; } = [BackfillIdOption.Option];

    public override CliInvocation Bind(CliArguments arguments)
    {
        var id = BackfillIdOption.Read(arguments);
        return (run, ct) => RunAsync(id, run, ct);
    }

    private async Task<int> RunAsync(int id, CliRun run, CancellationToken ct)
    {
        var changed = await run.Services.GetRequiredService<BackfillService>().SetPausedAsync(id, paused, run.Actor, ct);
        await run.Out.WriteLineAsync((changed, paused) switch
        {
            (true, true) => $"Paused backfill #{id}: its queued runs wait until it is unpaused.",
            (true, false) => $"Unpaused backfill #{id}: its queued runs may start.",
            (false, true) => $"Backfill #{id} was already paused.",
            (false, false) => $"Backfill #{id} was not paused.",
        });
        return ExitCodes.Success;
    }
}
