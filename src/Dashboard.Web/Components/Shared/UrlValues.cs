using Dashboard.Core.Persistence;

namespace Dashboard.Web.Components.Shared;

/// <summary>Enum values in page URLs, spelled as everywhere else (<c>next_run</c>, <c>up_for_retry</c>).</summary>
public static class UrlValues
{
    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum => SnakeCase.ToSnakeCase(value);

    /// <summary>Null for a missing or unknown value: a mistyped link shows the default view, not an error.</summary>
    public static TEnum? Parse<TEnum>(string? value) where TEnum : struct, Enum =>
        value is not null && SnakeCase.TryParseSnakeCase<TEnum>(value.Trim().ToLowerInvariant(), out var parsed) ? parsed : null;
}
