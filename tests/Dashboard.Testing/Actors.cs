using Dashboard.Core.Security;

namespace Dashboard.Testing;

/// <summary>Who acts in a test: by default someone every action is allowed to.</summary>
public static class Actors
{
    public static Actor Admin(string name) => new(name, Role.Admin);

    public static Actor As(Role role, string? name = null) => new(name ?? role.ToString().ToLowerInvariant(), role);
}
