using System.Diagnostics;

namespace Dashboard.Core.Persistence.LocalPostgres;

/// <summary>Where the PostgreSQL server programs (initdb, pg_ctl) live on this machine.</summary>
public sealed record PostgresBinaries(string BinDirectory)
{
    public const string InstallHint =
        "PostgreSQL server binaries were not found. Install them (Debian/Ubuntu: `sudo apt-get install -y postgresql`) " +
        "or set ConnectionStrings:Dashboard to use an existing server.";

    public string InitDb => Path.Combine(BinDirectory, "initdb");
    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    /// <summary>Asks <c>pg_config --bindir</c>, then falls back to Debian's versioned directories.</summary>
    public static PostgresBinaries Locate()
    {
        var candidates = new List<string>();
        if (TryPgConfigBinDir() is { } fromPgConfig)
        {
            candidates.Add(fromPgConfig);
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            candidates.AddRange(Directory.GetDirectories(debianRoot)
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var major) ? major : 0)
                .Select(d => Path.Combine(d, "bin")));
        }

        foreach (var dir in candidates)
        {
            var binaries = new PostgresBinaries(dir);
            if (File.Exists(binaries.InitDb) && File.Exists(binaries.PgCtl))
            {
                return binaries;
            }
        }

        throw new LocalPostgresException(InstallHint);
    }

    private static string? TryPgConfigBinDir()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config is not installed
        }
    }
}

/// <summary>A problem starting the embedded PostgreSQL, with a message meant for the person running the app.</summary>
public sealed class LocalPostgresException(string message, Exception? inner = null) : Exception(message, inner);
