using System.Text;
using Dashboard.Core.Operations;

namespace Dashboard.Web.Cli;

/// <summary>
/// The files <c>export</c> writes and <c>import</c> reads, or stdout and stdin for <c>-</c>. A file
/// that cannot be read or written is refused with a message naming it and why; nothing changes.
/// </summary>
internal static class CliFiles
{
    public const string Standard = "-";

    /// <exception cref="OperationRefusedException">No such file, unreadable, or larger than <paramref name="maxBytes"/>.</exception>
    public static async Task<string> ReadAsync(string path, TextReader stdin, int maxBytes, CancellationToken ct)
    {
        if (path == Standard)
        {
            return await ReadLimitedAsync(stdin, maxBytes, "stdin", ct);
        }

        try
        {
            var file = new FileInfo(path);
            if (Directory.Exists(path))
            {
                throw new OperationRefusedException($"Cannot read {path}: it is a directory.");
            }

            if (!file.Exists)
            {
                throw new OperationRefusedException($"Cannot read {path}: there is no such file.");
            }

            if (file.Length > maxBytes)
            {
                throw TooLarge(path, maxBytes);
            }

            using var reader = new StreamReader(file.OpenRead(), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return await ReadLimitedAsync(reader, maxBytes, path, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OperationRefusedException($"Cannot read {path}: {e.Message}");
        }
    }

    /// <summary>
    /// Writes <paramref name="text"/> to a file next to <paramref name="path"/> and then moves it
    /// there, so a failure never leaves half a file; one with secrets is readable by its owner only.
    /// </summary>
    /// <exception cref="OperationRefusedException">The file cannot be written.</exception>
    public static async Task WriteAsync(string path, string text, bool secret, TextWriter stdout, CancellationToken ct)
    {
        if (path == Standard)
        {
            await stdout.WriteLineAsync(text);
            return;
        }

        var temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (secret && !OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var writer = new StreamWriter(temporary, new UTF8Encoding(false), options))
            {
                await writer.WriteLineAsync(text.AsMemory(), ct);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OperationRefusedException($"Cannot write {path}: {e.Message}");
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>Stops reading once past the limit, so an endless stdin cannot fill the memory.</summary>
    private static async Task<string> ReadLimitedAsync(TextReader reader, int maxBytes, string name, CancellationToken ct)
    {
        var text = new StringBuilder();
        var buffer = new char[64 * 1024];
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), ct)) > 0)
        {
            text.Append(buffer, 0, read);
            if (text.Length > maxBytes)
            {
                throw TooLarge(name, maxBytes);
            }
        }

        return text.ToString();
    }

    private static OperationRefusedException TooLarge(string name, int maxBytes) =>
        new($"Cannot read {name}: it is larger than {maxBytes / (1024 * 1024)} MB; split it.");
}
