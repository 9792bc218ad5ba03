using Dashboard.Core.Operations;

namespace Dashboard.Core.Security;

/// <summary>
/// Airflow's roles, each including the rights of the one before: a Viewer sees everything but
/// secrets and changes nothing, a User also re-runs (clear, mark, trigger) and writes notes, an Op also
/// backfills, pauses DAGs and manages connections and variables, an Admin also manages people and reads the audit log.
/// </summary>
public enum Role
{
    Viewer,
    User,
    Op,
    Admin,
}

/// <summary>What an action needs; <see cref="Actor.Needed"/> says which role grants it.</summary>
public enum Permission
{
    ClearAndMark,
    Trigger,
    WriteNotes,
    Backfill,
    PauseDag,
    ManageConnections,
    ManageUsers,
    ReadAuditLog,
}

/// <summary>
/// Who asks for an action: the name its audit row carries and the role that decides whether it
/// may happen. Every domain service checks it, so no caller (a page, the command line, a crafted
/// circuit event) gets an action its role does not grant.
/// </summary>
public sealed record Actor(string Name, Role Role)
{
    public static Role Needed(Permission permission) => permission switch
    {
        Permission.ClearAndMark or Permission.Trigger or Permission.WriteNotes => Role.User,
        Permission.Backfill or Permission.PauseDag or Permission.ManageConnections => Role.Op,
        _ => Role.Admin,
    };

    public bool Can(Permission permission) => Role >= Needed(permission);

    /// <param name="what">The action in words, for the refusal: "clear task instances".</param>
    /// <exception cref="AccessDeniedException">The actor's role does not grant <paramref name="permission"/>.</exception>
    public void Demand(Permission permission, string what)
    {
        if (!Can(permission))
        {
            throw new AccessDeniedException(
                $"{Name} may not {what}: that needs the {Needed(permission)} role, and {Name} has the {Role} role.");
        }
    }
}

/// <summary>An action refused because of who asked; nothing changed.</summary>
public sealed class AccessDeniedException(string message) : OperationRefusedException(message);
