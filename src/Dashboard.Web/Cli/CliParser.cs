using System.Globalization;

namespace Dashboard.Web.Cli;

/// <summary>
/// A strict reader of one command's options: unknown options, repeated options, flags given a value
/// and options missing theirs are errors, never guesses. Values follow as <c>--name value</c> or
/// <c>--name=value</c>; a value that starts with a dash needs the second form.
/// </summary>
internal static class CliParser
{
    public static bool AsksForHelp(IEnumerable<string> tokens) => tokens.Any(t => t is "--help" or "-h");

    /// <exception cref="CliUsageException">The tokens do not fit the command's options.</exception>
    public static CliArguments Parse(CliCommand command, IReadOnlyList<string> tokens)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (!LooksLikeOption(token))
            {
                AddPositional(command, values, token);
                continue;
            }

            var (name, inlineValue) = Split(token);
            var option = Find(command, name) ?? throw new CliUsageException($"unknown option '{name}' for '{command.FullName}'");
            if (values.ContainsKey(option.Name))
            {
                throw new CliUsageException($"--{option.Name} is given more than once");
            }

            if (option.IsFlag)
            {
                values[option.Name] = inlineValue is null ? null : throw new CliUsageException($"--{option.Name} takes no value");
                continue;
            }

            var value = inlineValue ?? (i + 1 < tokens.Count && !LooksLikeOption(tokens[i + 1]) ? tokens[++i] : null);
            values[option.Name] = string.IsNullOrEmpty(value)
                ? throw new CliUsageException($"--{option.Name} needs a value ({option.ValueName})")
                : value;
        }

        if (command.Options.FirstOrDefault(o => o.Required && !values.ContainsKey(o.Name)) is { } missing)
        {
            throw new CliUsageException($"--{missing.Name} is required");
        }

        return new CliArguments(values);
    }

    private static void AddPositional(CliCommand command, Dictionary<string, string?> values, string token)
    {
        if (command.PositionalOption is not { } name)
        {
            throw new CliUsageException($"unexpected argument '{token}'");
        }

        if (values.ContainsKey(name))
        {
            throw new CliUsageException($"unexpected argument '{token}': --{name} is already given");
        }

        values[name] = token;
    }

    /// <summary>Negative numbers are values, so <c>--max-active-runs -1</c> reaches the rule that refuses it.</summary>
    private static bool LooksLikeOption(string token) =>
        token.Length > 1 && token[0] == '-' && !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static (string Name, string? Value) Split(string token)
    {
        var equals = token.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (token, null) : (token[..equals], token[(equals + 1)..]);
    }

    private static CliOption? Find(CliCommand command, string name) => name.StartsWith("--", StringComparison.Ordinal)
        ? command.Options.FirstOrDefault(o => o.Name == name[2..])
        : name.Length == 2 ? command.Options.FirstOrDefault(o => o.ShortName == name[1]) : null;
}
