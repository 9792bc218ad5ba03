using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dashboard.Core.Operations;

namespace Dashboard.Core.Connections;

/// <summary>The fields of a connection as given (a form, a URI, an import), secrets in the clear.</summary>
public sealed record ConnectionFields(
    string ConnType,
    string? Host = null,
    int? Port = null,
    string? Schema = null,
    string? Login = null,
    string? Password = null,
    string? Extra = null,
    string? Description = null);

/// <summary>
/// What a connection id, a variable key and their fields may be. Ids and keys are what a template
/// and an environment variable name them by (<c>{{ conn.ID.host }}</c>, <c>DASHBOARD_CONN_ID</c>),
/// so they are letters, digits and '_'. Every field has a size limit.
/// </summary>
public static partial class ConnectionRules
{
    public const int MaxIdLength = 250;
    public const int MaxFieldLength = 1_000;
    public const int MaxPasswordLength = 10_000;
    public const int MaxExtraLength = 64 * 1024;
    public const int MaxDescriptionLength = 5_000;
    public const int MaxVariableValueLength = 256 * 1024;

    /// <summary>An import file, JSON of many connections or variables.</summary>
    public const int MaxImportBytes = 16 * 1024 * 1024;

    public const int MaxImportEntries = 10_000;

    public static bool IsValidId(string? id) => id is { Length: > 0 and <= MaxIdLength } && Identifier().IsMatch(id);

    public static bool IsValidType(string? type) => type is { Length: > 0 and <= 100 } && Identifier().IsMatch(type);

    /// <exception cref="OperationRefusedException">Not a valid id; the message names it.</exception>
    public static void DemandId(string? id, string what)
    {
        if (!IsValidId(id))
        {
            throw new OperationRefusedException(
                $"'{Shorten(id)}' is not a valid {what}: use 1 to {MaxIdLength} letters, digits or '_' (it is what templates and DASHBOARD_ environment variables name it by).");
        }
    }

    /// <summary>The first problem with a connection's fields, or null; the message never quotes a secret.</summary>
    public static string? Problem(ConnectionFields fields)
    {
        if (!IsValidType(fields.ConnType))
        {
            return $"'{Shorten(fields.ConnType)}' is not a connection type: use letters, digits and '_' (postgres, http, generic, ...).";
        }

        if (fields.Port is < 1 or > 65535)
        {
            return "The port must be a number from 1 to 65535.";
        }

        foreach (var (name, value) in new[] { ("host", fields.Host), ("schema", fields.Schema), ("login", fields.Login) })
        {
            if (value?.Length > MaxFieldLength)
            {
                return $"The {name} is longer than {MaxFieldLength} characters.";
            }

            if (value is not null && HasControlCharacters(value))
            {
                return $"The {name} contains a line break or another control character.";
            }
        }

        if (fields.Password?.Length > MaxPasswordLength)
        {
            return $"The password is longer than {MaxPasswordLength} characters.";
        }

        if (fields.Description?.Length > MaxDescriptionLength)
        {
            return $"The description is longer than {MaxDescriptionLength} characters.";
        }

        return ExtraProblem(fields.Extra);
    }

    /// <summary>An extra must be a JSON object (Airflow's extra_dejson), at most <see cref="MaxExtraLength"/> bytes.</summary>
    public static string? ExtraProblem(string? extra)
    {
        if (string.IsNullOrWhiteSpace(extra))
        {
            return null;
        }

        if (Encoding.UTF8.GetByteCount(extra) > MaxExtraLength)
        {
            return $"The extra is larger than {MaxExtraLength / 1024} KB.";
        }

        try
        {
            return JsonNode.Parse(extra, documentOptions: new JsonDocumentOptions { MaxDepth = 32 }) is JsonObject
                ? null
                : "The extra must be a JSON object, like {\"sslmode\": \"require\"}.";
        }
        catch (JsonException e)
        {
            return $"The extra is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}).";
        }
    }

    public static string? VariableProblem(string value, string? description)
    {
        if (value.Length > MaxVariableValueLength)
        {
            return $"The value is longer than {MaxVariableValueLength / 1024} KB.";
        }

        if (value.Contains('\0'))
        {
            return "The value contains a NUL character.";
        }

        return description?.Length > MaxDescriptionLength ? $"The description is longer than {MaxDescriptionLength} characters." : null;
    }

    private static bool HasControlCharacters(string value) => value.Any(char.IsControl);

    private static string Shorten(string? text) => text is null ? "" : text.Length > 60 ? text[..60] + "…" : text;

    [GeneratedRegex("^[A-Za-z0-9_]+$")]
    private static partial Regex Identifier();
}
