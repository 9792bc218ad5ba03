using System.Text;

namespace Dashboard.Core.Persistence;

/// <summary>Airflow's spelling of names and states: <c>UpstreamFailed</c> is <c>upstream_failed</c>.</summary>
public static class SnakeCase
{
    public static string From(string pascal)
    {
        var builder = new StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(pascal[i - 1]) || char.IsDigit(pascal[i - 1])))
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    public static string ToSnakeCase<TEnum>(this TEnum value) where TEnum : struct, Enum => EnumNames<TEnum>.ToName[value];

    public static TEnum ParseSnakeCase<TEnum>(string name) where TEnum : struct, Enum =>
        EnumNames<TEnum>.FromName.TryGetValue(name, out var value)
            ? value
            : throw new FormatException($"'{name}' is not a valid {typeof(TEnum).Name}; expected one of: {string.Join(", ", EnumNames<TEnum>.FromName.Keys)}.");

    public static bool TryParseSnakeCase<TEnum>(string name, out TEnum value) where TEnum : struct, Enum =>
        EnumNames<TEnum>.FromName.TryGetValue(name, out value);

    public static IEnumerable<string> NamesOf<TEnum>() where TEnum : struct, Enum => EnumNames<TEnum>.FromName.Keys;

    private static class EnumNames<TEnum> where TEnum : struct, Enum
    {
        public static readonly Dictionary<TEnum, string> ToName =
            Enum.GetValues<TEnum>().ToDictionary(v => v, v => From(v.ToString()));

        public static readonly Dictionary<string, TEnum> FromName =
            ToName.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);
    }
}
