using System.Reflection;

namespace Dashboard.Testing;

/// <summary>Where the checkout and the built app are, for tests that look at real files.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } =
        typeof(RepositoryLayout).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The web app's own build output: what `dotnet run` starts.</summary>
    public static string WebAppOutput => Path.Combine(Root, "src", "Dashboard.Web", "bin", Configuration, "net10.0");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dashboard.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Dashboard.sln above {AppContext.BaseDirectory}.");
    }
}
