using System.Globalization;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations.Versions;
using Dashboard.Core.Persistence;

namespace Dashboard.Web.Cli;

/// <summary>How commands print values: times in UTC as the UI shows them, states in Airflow's spelling.</summary>
internal static class CliText
{
    public static string Time(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Midnight is shown as the date alone: most ranges and logical dates are whole days.</summary>
    public static string Date(DateTimeOffset value) => value.UtcDateTime.TimeOfDay == TimeSpan.Zero
        ? value.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
        : Time(value);

    public static string State(TaskInstanceState? state) => state is { } s ? s.ToSnakeCase() : "no status";

    public static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>"1 run", "3 runs".</summary>
    public static string Count(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? "" : "s")}");

    /// <summary>What a re-run does to the runs' DAG versions, when it changes any: a line per run, after the note on a file that does not load.</summary>
    public static async Task WriteVersionsAsync(TextWriter writer, RerunVersions versions)
    {
        if (versions.FileNote is { } note)
        {
            await writer.WriteLineAsync($"note: {note}");
        }

        if (versions.Behind.Count == 0 || versions.Current is not { } current)
        {
            return;
        }

        if (versions.KeepVersions)
        {
            await writer.WriteLineAsync($"Keeping the DAG version of {Count(versions.Behind.Count, "run")} not on the current version, {current.Label} (--keep-version).");
            return;
        }

        await writer.WriteLineAsync($"Moving {Count(versions.Moves.Count, "run")} to the DAG's current version, {current.Label} (--keep-version keeps them where they are):");
        foreach (var move in versions.Moves)
        {
            var added = move.Change.Added.Count > 0 ? $"; adds {string.Join(", ", move.Change.Added)}" : "";
            var removed = move.Change.Removed.Count > 0 ? $"; removes {string.Join(", ", move.Change.Removed)}" : "";
            await writer.WriteLineAsync($"  {move.RunId}: {move.Change.Label}{added}{removed}");
        }
    }
}
