using System.CommandLine;
using Dashboard.Core.Operations.Backfill;

namespace Dashboard.Web.Cli.Commands;

/// <summary><c>backfill pause</c> and <c>backfill unpause</c>: whether the scheduler starts the backfill's queued runs.</summary>
internal sealed class BackfillPauseCommand : CliCommand
{
    private readonly bool _paused;
    private readonly Option<int> _id = BackfillIdOption.Create();

    public BackfillPauseCommand(bool paused)
        : base(paused ? "pause" : "unpause", paused
            ? "Pause an active backfill: its queued runs wait; running ones finish."
            : "Unpause a paused backfill: its queued runs may start again.")
    {
        _paused = paused;
        Options.Add(_id);
    }

    public override CliInvocation Bind(ParseResult result)
    {
        var id = result.GetRequiredValue(_id);
        return (run, ct) => RunAsync(id, run, ct);
    }

    private async Task<int> RunAsync(int id, CliRun run, CancellationToken ct)
    {
        var changed = await run.Services.GetRequiredService<BackfillService>().SetPausedAsync(id, _paused, run.Actor, ct);
        await run.Out.WriteLineAsync((changed, _paused) switch
        {
            (true, true) => $"Paused backfill #{id}: its queued runs wait until it is unpaused.",
            (true, false) => $"Unpaused backfill #{id}: its queued runs may start.",
            (false, true) => $"Backfill #{id} was already paused.",
            (false, false) => $"Backfill #{id} was not paused.",
        });
        return ExitCodes.Success;
    }
}
