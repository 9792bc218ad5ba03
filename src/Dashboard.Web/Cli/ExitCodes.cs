namespace Dashboard.Web.Cli;

/// <summary>What a command's exit code tells the script that ran it.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>A domain rule refused the request (the reason is on stderr); nothing changed.</summary>
    public const int Refused = 1;

    /// <summary>The command line is wrong: unknown command or option, missing or malformed value.</summary>
    public const int Usage = 2;

    /// <summary>The database cannot be reached or used (down, wrong settings, schema behind this build).</summary>
    public const int DatabaseUnavailable = 3;

    /// <summary>A bug: sysexits' EX_SOFTWARE, so it never reads as one of the expected outcomes above.</summary>
    public const int Internal = 70;

    /// <summary>Interrupted with Ctrl+C: the shell's convention of 128 + SIGINT.</summary>
    public const int Cancelled = 130;
}
