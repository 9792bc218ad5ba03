using System.Security.Cryptography;

namespace Dashboard.Core.Persistence.LocalPostgres;

/// <summary>
/// The passwords of the embedded cluster's roles: the bootstrap superuser, which owns the
/// cluster and is used only at start-up (to create the app's database), the app's role, which
/// owns that database and nothing more, and the warehouse's role, which owns the database the
/// example pipelines load (made on the first start that asks for it). They live in
/// <see cref="FileName"/> in the data directory, readable by its owner alone, in PostgreSQL's
/// password-file format, so a person can connect with
/// <c>PGPASSFILE=&lt;file&gt; psql -h 127.0.0.1 -p PORT -U dashboard_app dashboard</c>.
/// </summary>
internal sealed class ClusterCredentials(string superuserPassword, string appPassword, string? warehousePassword = null)
{
    public const string FileName = "dashboard.pgpass";

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    public string SuperuserPassword { get; } = superuserPassword;

    public string AppPassword { get; } = appPassword;

    /// <summary>Null until the warehouse's role is first made.</summary>
    public string? WarehousePassword { get; } = warehousePassword;

    public static ClusterCredentials Generate() => new(NewPassword(), NewPassword());

    /// <summary>These passwords with a new one for the warehouse's role.</summary>
    public ClusterCredentials WithWarehousePassword() => new(SuperuserPassword, AppPassword, NewPassword());

    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    /// <returns>The stored passwords, or null when the file does not exist (or lacks a role's line).</returns>
    /// <exception cref="LocalPostgresException">The file exists but cannot be read, typically because another OS user runs the app.</exception>
    public static ClusterCredentials? Load(string dataDirectory)
    {
        var path = PathIn(dataDirectory);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LocalPostgresException(
                $"Cannot read the embedded database's password file {path}: {e.Message} Run Dashboard as the OS user that created it.", e);
        }

        // host:port:database:user:password; the generated passwords hold no ':' or '\'.
        var passwords = lines.Select(line => line.Split(':')).Where(f => f.Length == 5).ToDictionary(f => f[3], f => f[4], StringComparer.Ordinal);
        return passwords.TryGetValue(LocalPostgresCluster.SuperUser, out var superuser) && passwords.TryGetValue(LocalPostgresCluster.AppRole, out var app)
            ? new ClusterCredentials(superuser, app, passwords.GetValueOrDefault(LocalPostgresCluster.WarehouseRole))
            : null;
    }

    /// <summary>Writes the file, mode 600 from its first byte, replacing any old one in one step.</summary>
    public void Save(string dataDirectory)
    {
        var path = PathIn(dataDirectory);
        var temporary = path + ".new";
        File.Delete(temporary); // a leftover would keep its own mode
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temporary, options))
        {
            writer.Write($"127.0.0.1:*:*:{LocalPostgresCluster.AppRole}:{AppPassword}\n127.0.0.1:*:*:{LocalPostgresCluster.SuperUser}:{SuperuserPassword}\n");
            if (WarehousePassword is not null)
            {
                writer.Write($"127.0.0.1:*:*:{LocalPostgresCluster.WarehouseRole}:{WarehousePassword}\n");
            }
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static string NewPassword() => RandomNumberGenerator.GetString(Alphabet, 32);
}
