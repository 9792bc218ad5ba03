using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Dashboard.Core.Dags;
using Tmds.Linux;

namespace Dashboard.Scheduler.DagFiles;

/// <summary>What reading one entry of the DAG folder gave: its bytes, or the problem, or nothing when it vanished meanwhile.</summary>
internal sealed record DagFileRead(byte[]? Bytes, DagFileError? Error)
{
    public static readonly DagFileRead Gone = new(null, null);

    public static DagFileRead Problem(string message) => new(null, new DagFileError(null, message));
}

/// <summary>
/// Reads DAG files so that no entry of the folder can stall or break a pass: the file type is read
/// with stat(2) before anything is opened, so only regular files are (symbolic links followed; a
/// loop, a dangling link, a directory, a FIFO or a device named *.yaml is reported unopened); no more
/// than the size limit is read; and a read that has not finished in time (a hung network drive) is
/// reported and left behind, the file skipped until that read returns.
/// </summary>
internal sealed class DagFileReader
{
    private readonly ConcurrentDictionary<string, Task> _unfinished = new(StringComparer.Ordinal);

    /// <summary>The folder's entries named *.yaml or *.yml, whatever their type, in name order.</summary>
    public static IReadOnlyList<string> List(string folder) =>
        Directory.EnumerateFileSystemEntries(folder)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name.EndsWith(".yaml", StringComparison.Ordinal) || name.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

    internal async Task<DagFileRead> ReadAsync(string path, int maxBytes, TimeSpan timeout, CancellationToken ct)
    {
        if (_unfinished.ContainsKey(path))
        {
            return DagFileRead.Problem("an earlier read of this file has still not returned (a hung drive?); it is skipped until that read finishes");
        }

        var (kind, size) = Inspect(path);
        switch (kind)
        {
            case Kind.Gone:
                return DagFileRead.Gone;
            case Kind.Unreadable:
                return DagFileRead.Problem($"the file cannot be inspected: {Marshal.GetPInvokeErrorMessage((int)size)}");
            case Kind.Regular when size > maxBytes:
                return DagFileRead.Problem(DagFileParser.TooLarge(size, maxBytes));
            case not Kind.Regular:
                return DagFileRead.Problem(Describe(kind, path));
        }

        var read = Task.Run(() => ReadAtMost(path, maxBytes, size), CancellationToken.None);
        try
        {
            return await read.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            _unfinished[path] = read;
            _ = read.ContinueWith(finished =>
            {
                _ = finished.Exception; // observed: nobody waits for it any more
                _unfinished.TryRemove(path, out _);
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return DagFileRead.Problem($"reading the file took longer than {timeout.TotalSeconds:0.#} s (the setting Dags:{nameof(DagFileOptions.ReadTimeout)}); it is skipped");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DagFileRead.Problem($"the file cannot be read: {e.Message}");
        }
    }

    private static DagFileRead ReadAtMost(string path, int maxBytes, long expectedSize)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite | FileShare.Delete, BufferSize = 0,
        });

        // One byte more than the limit tells a file that grew past it since it was inspected.
        var buffer = new byte[(int)Math.Min(maxBytes + 1L, Math.Max(expectedSize, 0) + 1)];
        var total = 0;
        while (stream.Read(buffer, total, buffer.Length - total) is var count and > 0)
        {
            total += count;
            if (total == buffer.Length)
            {
                if (buffer.Length > maxBytes)
                {
                    return DagFileRead.Problem(DagFileParser.TooLarge(total, maxBytes));
                }

                Array.Resize(ref buffer, (int)Math.Min(maxBytes + 1L, buffer.Length * 2L));
            }
        }

        return new DagFileRead(buffer[..total], null);
    }

    private enum Kind
    {
        Regular,
        Gone,
        Directory,
        Fifo,
        Socket,
        Device,
        Loop,
        Dangling,
        Unreadable,
    }

    private static (Kind Kind, long Size) Inspect(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return InspectPortably(path);
        }

        unsafe
        {
            var bytes = Encoding.UTF8.GetBytes(path + "\0");
            stat status;
            fixed (byte* name = bytes)
            {
                if (LibC.stat(name, &status) != 0)
                {
                    var errno = LibC.errno;
                    if (errno == LibC.ELOOP)
                    {
                        return (Kind.Loop, 0);
                    }

                    if (errno != LibC.ENOENT)
                    {
                        return (Kind.Unreadable, errno); // the size carries the error number
                    }

                    // The name itself may still be there: a link whose target is not.
                    return LibC.lstat(name, &status) == 0 && LibC.S_ISLNK(status.st_mode) ? (Kind.Dangling, 0) : (Kind.Gone, 0);
                }
            }

            var mode = status.st_mode;
            return LibC.S_ISREG(mode) ? (Kind.Regular, (long)status.st_size)
                : LibC.S_ISDIR(mode) ? (Kind.Directory, 0)
                : LibC.S_ISFIFO(mode) ? (Kind.Fifo, 0)
                : LibC.S_ISSOCK(mode) ? (Kind.Socket, 0)
                : (Kind.Device, 0);
        }
    }

    /// <summary>Elsewhere than Linux, what .NET can tell without opening the file; the read timeout covers the rest.</summary>
    private static (Kind Kind, long Size) InspectPortably(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is not { Exists: true })
            {
                return (Kind.Dangling, 0);
            }

            return Directory.Exists(path) ? (Kind.Directory, 0) : info.Exists ? (Kind.Regular, info.Length) : (Kind.Gone, 0);
        }
        catch (IOException)
        {
            return (Kind.Loop, 0);
        }
    }

    private static string Describe(Kind kind, string path) => kind switch
    {
        Kind.Directory => "this is a directory, not a file; only regular files are read",
        Kind.Fifo => "this is a named pipe (FIFO), not a file; it is not opened",
        Kind.Socket => "this is a socket, not a file; it is not opened",
        Kind.Device => "this is a device, not a file; it is not opened",
        Kind.Loop => "this symbolic link leads round in a loop and never reaches a file",
        Kind.Dangling => $"this symbolic link points to {LinkTarget(path)}, which does not exist",
        _ => "the file cannot be read",
    };

    private static string LinkTarget(string path)
    {
        try
        {
            return $"'{new FileInfo(path).LinkTarget}'";
        }
        catch (IOException)
        {
            return "a file";
        }
    }
}
