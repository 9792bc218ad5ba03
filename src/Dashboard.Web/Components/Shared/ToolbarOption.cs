using System.Globalization;

namespace Dashboard.Web.Components.Shared;

/// <summary>One choice of a <see cref="ToolbarSelect"/>: the value it stands for and the text shown for it.</summary>
public sealed record ToolbarOption(string Value, string Text)
{
    /// <summary>Values shown as they are: task ids, action names.</summary>
    public static IReadOnlyList<ToolbarOption> Plain(IEnumerable<string> values) => [.. values.Select(value => new ToolbarOption(value, value))];

    /// <summary>Numbers shown as they are: counts of runs, page sizes.</summary>
    public static IReadOnlyList<ToolbarOption> Numbers(IEnumerable<int> numbers) => Plain(numbers.Select(n => n.ToString(CultureInfo.InvariantCulture)));
}
