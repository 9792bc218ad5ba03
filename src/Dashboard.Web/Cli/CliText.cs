using System.Globalization;
using Dashboard.Core.Domain;
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
}
