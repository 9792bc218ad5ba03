using Dashboard.Core.Connections;

namespace Dashboard.Web.Components.Config;

/// <summary>The variable form as typed; a secret's value is never loaded into it, so on an edit blank keeps it.</summary>
public sealed class VariableDraft
{
    public string Key { get; set; } = "";

    public string? Value { get; set; }

    public bool IsSecret { get; set; }

    public string? Description { get; set; }

    public bool Editing { get; private init; }

    /// <summary>The stored value is secret: the form does not have it, and blank keeps it.</summary>
    public bool KeepsBlankValue { get; private init; }

    public static VariableDraft ForEdit(VariableSummary stored) => new()
    {
        Editing = true,
        KeepsBlankValue = stored.IsSecret,
        Key = stored.Key,
        Value = stored.IsSecret ? null : stored.Value,
        IsSecret = stored.IsSecret,
        Description = stored.Description,
    };

    public string? KeyProblem => Editing ? null : KeyProblemOf(Key);

    public string? ValueProblem => ValueProblemOf(Value);

    public static string? KeyProblemOf(string? key) =>
        string.IsNullOrWhiteSpace(key) ? "A key is required."
        : ConnectionRules.IsValidId(key.Trim()) ? null
        : $"Use 1 to {ConnectionRules.MaxIdLength} letters, digits or '_'.";

    public static string? ValueProblemOf(string? value) => ConnectionRules.VariableProblem(value ?? "", null);

    public bool IsValid => KeyProblem is null && ValueProblem is null;

    public VariableEdit ToEdit() => new(
        Key.Trim(),
        KeepsBlankValue && string.IsNullOrEmpty(Value) ? null : Value ?? "",
        IsSecret,
        string.IsNullOrWhiteSpace(Description) ? null : Description.Trim(),
        Editing ? SaveMode.Update : SaveMode.Create);
}
