using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dashboard.Core.Connections;

/// <summary>
/// Airflow's connection URI, <c>type://login:password@host:port/schema?extra_key=value</c>: every
/// part percent-encoded, the scheme's dashes read as underscores, query parameters as the extra
/// (or one <c>__extra__</c> parameter holding the extra as JSON). The environment's
/// <c>DASHBOARD_CONN_ID</c> and <c>connections add --conn-uri</c> use it.
/// </summary>
public static class ConnectionUri
{
    private const string ExtraParameter = "__extra__";

    /// <exception cref="FormatException">Not a connection URI; the message says what is wrong, never the URI (it may hold a password).</exception>
    public static ConnectionFields Parse(string uri)
    {
        var schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            throw new FormatException("a connection URI starts with its type and '://', as in postgres://login:password@host:5432/database");
        }

        var connType = uri[..schemeEnd].Replace('-', '_');
        if (connType == "postgresql")
        {
            connType = "postgres"; // what SQLAlchemy-style URIs call it
        }

        if (!ConnectionRules.IsValidType(connType))
        {
            throw new FormatException($"'{connType}' is not a connection type: use letters, digits and '_'");
        }

        var rest = uri[(schemeEnd + 3)..];
        string? query = null;
        if (rest.IndexOf('?') is var q and >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        string? schema = null;
        if (rest.IndexOf('/') is var slash and >= 0)
        {
            schema = Decode(rest[(slash + 1)..]);
            rest = rest[..slash];
        }

        string? login = null, password = null;
        if (rest.LastIndexOf('@') is var at and >= 0)
        {
            var user = rest[..at];
            rest = rest[(at + 1)..];
            var colon = user.IndexOf(':');
            login = Decode(colon < 0 ? user : user[..colon]);
            password = colon < 0 ? null : Decode(user[(colon + 1)..]);
        }

        int? port = null;
        if (rest.LastIndexOf(':') is var portColon and >= 0 && !rest.EndsWith(']'))
        {
            if (!int.TryParse(rest[(portColon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
            {
                throw new FormatException("the port of a connection URI must be a number from 1 to 65535");
            }

            port = number;
            rest = rest[..portColon];
        }

        return new ConnectionFields(connType, Empty(Decode(rest)), port, Empty(schema), Empty(login), Empty(password), ParseExtra(query));
    }

    /// <summary>The connection as a URI; the password only when <paramref name="includePassword"/>.</summary>
    public static string Format(ConnectionFields connection, bool includePassword)
    {
        var uri = new StringBuilder(connection.ConnType.Replace('_', '-')).Append("://");
        if (connection.Login is not null || (includePassword && connection.Password is not null))
        {
            uri.Append(Uri.EscapeDataString(connection.Login ?? ""));
            if (includePassword && connection.Password is not null)
            {
                uri.Append(':').Append(Uri.EscapeDataString(connection.Password));
            }

            uri.Append('@');
        }

        uri.Append(Uri.EscapeDataString(connection.Host ?? ""));
        if (connection.Port is { } port)
        {
            uri.Append(':').Append(port.ToString(CultureInfo.InvariantCulture));
        }

        if (connection.Schema is not null)
        {
            uri.Append('/').Append(Uri.EscapeDataString(connection.Schema));
        }

        if (connection.Extra is { Length: > 0 } extra && extra.Trim() != "{}")
        {
            uri.Append('?').Append(ExtraParameter).Append('=').Append(Uri.EscapeDataString(extra));
        }

        return uri.ToString();
    }

    private static string? ParseExtra(string? query)
    {
        if (string.IsNullOrEmpty(query))
        {
            return null;
        }

        var extra = new JsonObject();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var name = DecodeQuery(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : DecodeQuery(pair[(equals + 1)..]);
            if (name == ExtraParameter)
            {
                try
                {
                    return (JsonNode.Parse(value) as JsonObject ?? throw new FormatException($"{ExtraParameter} must be a JSON object")).ToJsonString();
                }
                catch (JsonException)
                {
                    throw new FormatException($"{ExtraParameter} must be a JSON object");
                }
            }

            extra[name] = value;
        }

        return extra.ToJsonString();
    }

    private static string Decode(string part) => Uri.UnescapeDataString(part);

    /// <summary>A query's '+' is a space (form encoding); a password's is a plus.</summary>
    private static string DecodeQuery(string part) => Uri.UnescapeDataString(part.Replace('+', ' '));

    private static string? Empty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
