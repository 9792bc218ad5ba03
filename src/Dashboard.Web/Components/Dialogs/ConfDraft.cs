using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Core.Dags;
using Dashboard.Web.Components.Shared;

namespace Dashboard.Web.Components.Dialogs;

/// <summary>
/// The conf a trigger form edits, shown as a field per param or as raw JSON: one JSON object behind
/// both, so switching between them keeps every value, keys no param declares included. Its problems
/// are the DAG's own validation (<see cref="DagParams.Validate"/>), the one the trigger applies; a
/// field shows its own once it was changed, and all of them show after the raw JSON was edited or a
/// trigger was refused.
/// </summary>
public sealed class ConfDraft
{
    private readonly JsonObject _conf;
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    private IReadOnlyList<ParamProblem> _problems;
    private bool _showAll;

    public ConfDraft(DagParams dagParams)
    {
        Params = dagParams;
        _conf = dagParams.Defaults();
        _problems = dagParams.Validate(_conf);
    }

    public DagParams Params { get; }

    /// <summary>Whether the raw JSON, not the fields, is being edited.</summary>
    public bool Raw { get; private set; }

    public string RawText { get; set; } = "";

    /// <summary>The conf as the trigger takes it.</summary>
    public string Json => Raw ? RawText : _conf.ToJsonString();

    /// <summary>Whether the conf holds the param; a param it leaves out takes its default.</summary>
    public bool Has(string name) => _conf.ContainsKey(name);

    public JsonNode? this[string name] => _conf[name];

    public void Set(string name, JsonNode? value)
    {
        _conf[name] = value;
        Changed(name);
    }

    /// <summary>Leaves the param out of the conf, so it takes its default.</summary>
    public void Unset(string name)
    {
        _conf.Remove(name);
        Changed(name);
    }

    /// <summary>The messages to show under a param's field, if any.</summary>
    public string? ErrorFor(string name) =>
        (_showAll || _changed.Contains(name)) && _problems.Where(p => p.Param == name).Select(p => p.Message).ToList() is { Count: > 0 } messages
            ? string.Join("; ", messages)
            : null;

    /// <summary>Problems the trigger refused the conf for: every field shows its own.</summary>
    public void ShowAll(IReadOnlyList<ParamProblem> problems)
    {
        _problems = problems;
        _showAll = true;
    }

    /// <summary>Switches between the fields and the raw JSON.</summary>
    /// <returns>Why the raw JSON cannot be shown as fields; null when the switch is done.</returns>
    public string? SwitchTo(bool raw)
    {
        if (raw)
        {
            RawText = JsonText.Pretty(_conf.ToJsonString());
            Raw = true;
            return null;
        }

        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(string.IsNullOrWhiteSpace(RawText) ? "{}" : RawText);
        }
        catch (JsonException e)
        {
            return $"The conf is not valid JSON: {e.Message}";
        }

        if (parsed is not JsonObject conf)
        {
            return "The conf must be a JSON object, such as {\"city\": \"nyc\"}.";
        }

        _conf.Clear();
        foreach (var (name, value) in conf.ToList())
        {
            conf.Remove(name);
            _conf[name] = value;
        }

        // Whatever was edited as JSON shows its problems at once, as if each field had been changed.
        Raw = false;
        _problems = Params.Validate(_conf);
        _showAll = true;
        return null;
    }

    private void Changed(string name)
    {
        _changed.Add(name);
        _problems = Params.Validate(_conf);
    }
}
