using Dashboard.Core.Connections;

namespace Dashboard.Web.Components.Config;

/// <summary>
/// The connection form as typed: blank fields are absent ones, and each field's problem is known
/// before the service is asked (which checks the same rules again, for every caller).
/// </summary>
public sealed class ConnectionDraft
{
    /// <summary>What the type field suggests; any other identifier is accepted.</summary>
    public static readonly IReadOnlyList<string> SuggestedTypes = ["postgres", "http", "generic", "mysql", "sqlite", "s3", "ftp", "ssh", "smtp"];

    public string ConnId { get; set; } = "";

    public string ConnType { get; set; } = "";

    public string? Host { get; set; }

    public int? Port { get; set; }

    public string? Schema { get; set; }

    public string? Login { get; set; }

    /// <summary>On an edit, blank keeps the stored password.</summary>
    public string? Password { get; set; }

    public bool RemovePassword { get; set; }

    public string? Extra { get; set; }

    public string? Description { get; set; }

    /// <summary>An existing connection: its id is fixed, a blank password keeps the stored one.</summary>
    public bool Editing { get; private init; }

    public bool HadPassword { get; private init; }

    public static ConnectionDraft ForEdit(string connId, ConnectionFields fields, bool hasPassword) => new()
    {
        Editing = true,
        HadPassword = hasPassword,
        ConnId = connId,
        ConnType = fields.ConnType,
        Host = fields.Host,
        Port = fields.Port,
        Schema = fields.Schema,
        Login = fields.Login,
        Extra = fields.Extra,
        Description = fields.Description,
    };

    public string? IdProblem => Editing ? null : IdProblemOf(ConnId);

    public string? TypeProblem => TypeProblemOf(ConnType);

    /// <summary>What is wrong with a typed id, in the words the field shows; null when nothing is.</summary>
    public static string? IdProblemOf(string? id) =>
        string.IsNullOrWhiteSpace(id) ? "An id is required."
        : ConnectionRules.IsValidId(id.Trim()) ? null
        : $"Use 1 to {ConnectionRules.MaxIdLength} letters, digits or '_'.";

    public static string? TypeProblemOf(string? type) =>
        string.IsNullOrWhiteSpace(type) ? "A type is required."
        : ConnectionRules.IsValidType(type.Trim()) ? null
        : "Use letters, digits and '_' (postgres, http, generic, ...).";

    public string? PortProblem => Port is < 1 or > 65535 ? "A port is a number from 1 to 65535." : null;

    public string? ExtraProblem => ConnectionRules.ExtraProblem(Extra);

    public bool IsValid => IdProblem is null && TypeProblem is null && PortProblem is null && ExtraProblem is null;

    public SecretChange PasswordChange =>
        RemovePassword ? SecretChange.Remove
        : string.IsNullOrEmpty(Password) ? Editing ? SecretChange.Keep : SecretChange.Remove
        : SecretChange.Set(Password);

    public ConnectionEdit ToEdit() => new(
        ConnId.Trim(),
        new ConnectionFields(ConnType.Trim(), Blank(Host), Port, Blank(Schema), Blank(Login), null, Blank(Extra), Blank(Description)),
        PasswordChange,
        Editing ? SaveMode.Update : SaveMode.Create);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
