using Dashboard.Core.Security;
using YamlDotNet.RepresentationModel;

namespace Dashboard.Core.Dags;

/// <summary>The DAG's <c>access_control</c>: who besides Admins may change it (<see cref="DagAccess"/>).</summary>
public static partial class DagFileParser
{
    private const string AccessControlKey = "access_control";

    /// <summary>Entries of <c>can_edit</c>: a list to read at a glance, not a user directory.</summary>
    private const int MaxEditors = 50;

    /// <summary>Characters of one entry of <c>can_edit</c>.</summary>
    private const int MaxEditorLength = 100;

    /// <returns>
    /// The roles (spelled as the roles are) and user names of <c>can_edit</c>; null when the file has no
    /// access_control. A problem fails the whole file, so a list read with problems is never used.
    /// </returns>
    private static List<string>? ReadAccessControl(YamlMappingNode root, YamlFields fields)
    {
        if (fields.Mapping(root, AccessControlKey, "the DAG") is not { } map)
        {
            return null;
        }

        foreach (var key in map.Children.Keys)
        {
            // Reading is open to everyone signed in; accepting can_read would promise a secrecy nobody enforces.
            switch ((key as YamlScalarNode)?.Value ?? "")
            {
                case "can_edit":
                    break;
                case "can_read":
                    fields.Error(key, "'can_read' in access_control is not supported: every signed-in user may read every DAG; only 'can_edit' restricts who may change it");
                    break;
                case var name:
                    fields.Error(key, $"unknown key '{name}' in access_control; expected can_edit");
                    break;
            }
        }

        var node = YamlFields.Find(map, "can_edit");
        if (node is null || YamlFields.IsNull(node) || node is YamlSequenceNode { Children.Count: 0 })
        {
            // An empty list would leave the DAG to Admins alone, which is rarely meant and easily done by listing Admin.
            fields.Error(node ?? map, "access_control needs 'can_edit': a list of the roles and user names who may change the DAG " +
                                      "(an empty list would leave it to Admins; list Admin to mean that, or remove access_control)");
            return null;
        }

        if (node is not YamlSequenceNode)
        {
            fields.Error(node, $"'can_edit' in access_control must be a list such as [Op, alice], not a {YamlFields.Describe(node)}");
            return null;
        }

        var editors = fields.StringList(map, "can_edit", AccessControlKey) ?? [];
        if (editors.Count > MaxEditors)
        {
            fields.Error(node, $"'can_edit' in access_control has {editors.Count:N0} entries, more than {MaxEditors}; list a role instead of many users");
        }

        foreach (var (editor, item) in editors)
        {
            if (string.IsNullOrWhiteSpace(editor))
            {
                fields.Error(item, "every entry of 'can_edit' in access_control must be a role or a user name, not empty text");
            }
            else if (editor.Length > MaxEditorLength)
            {
                fields.Error(item, $"an entry of 'can_edit' in access_control is {editor.Length:N0} characters long, more than {MaxEditorLength}");
            }
        }

        return [.. editors.Select(e => DagAccess.RoleNamed(e.Value)?.ToString() ?? e.Value).Distinct(StringComparer.OrdinalIgnoreCase)];
    }
}
