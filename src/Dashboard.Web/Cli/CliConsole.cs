namespace Dashboard.Web.Cli;

/// <summary>Where a command reads and writes: the process's console, or strings in tests.</summary>
/// <param name="InputIsInteractive">A person can answer a question on <paramref name="In"/> (it is a terminal).</param>
public sealed record CliConsole(TextReader In, TextWriter Out, TextWriter Error, bool InputIsInteractive)
{
    public static CliConsole System => new(Console.In, Console.Out, Console.Error, !Console.IsInputRedirected);
}
