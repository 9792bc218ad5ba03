namespace Dashboard.Web.Cli;

/// <summary>The command line is wrong; the message names what and how, in one line.</summary>
public sealed class CliUsageException(string message) : Exception(message);
