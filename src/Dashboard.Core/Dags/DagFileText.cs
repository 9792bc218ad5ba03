using System.Buffers;
using System.Text.Unicode;

namespace Dashboard.Core.Dags;

/// <summary>
/// A DAG file's bytes as text: UTF-8 (a byte-order mark is allowed), without NUL bytes, which
/// PostgreSQL cannot store in text. Nothing is replaced silently: a wrong byte is an error at its line.
/// </summary>
public static class DagFileText
{
    /// <returns>Null and the problem, or the text and no problem.</returns>
    public static (string? Text, DagFileError? Error) Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        if (bytes.IndexOf((byte)0) is var nul and >= 0)
        {
            return (null, new DagFileError(LineAt(bytes, nul), "the file holds a NUL byte, which a DAG file cannot hold; is it a YAML file saved as UTF-8?"));
        }

        var chars = ArrayPool<char>.Shared.Rent(bytes.Length);
        try
        {
            var status = Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false);
            return status == OperationStatus.Done
                ? (new string(chars, 0, written), null)
                : (null, new DagFileError(LineAt(bytes, read),
                    $"the file is not valid UTF-8: byte 0x{bytes[read]:X2} cannot start or continue a character here; save the file as UTF-8"));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static int LineAt(ReadOnlySpan<byte> bytes, int index) => bytes[..index].Count((byte)'\n') + 1;
}
