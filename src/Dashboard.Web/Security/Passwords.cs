using System.Security.Cryptography;

namespace Dashboard.Web.Security;

/// <summary>Passwords the app chooses (first run, new users, resets): to be read off a screen once and changed.</summary>
public static class Passwords
{
    // No look-alikes (0/O, 1/l/I): the password is typed from a screen.
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    /// <summary>20 characters of 56: about 116 bits.</summary>
    public static string Generate() => RandomNumberGenerator.GetString(Alphabet, 20);
}

/// <summary>Where the first-run admin password goes: the console, once, never a log.</summary>
public sealed class FirstRunConsole(TextWriter writer)
{
    public void WriteInitialPassword(string userName, string password)
    {
        lock (writer)
        {
            writer.WriteLine(
                $"Dashboard first run: sign in as \"{userName}\" with the one-time password {password} " +
                "(shown only now; you will be asked to change it at first sign-in).");
            writer.Flush();
        }
    }
}
