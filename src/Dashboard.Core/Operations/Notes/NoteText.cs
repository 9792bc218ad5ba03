namespace Dashboard.Core.Operations.Notes;

/// <summary>
/// What a note may hold, shared by the service that stores it and the editor that counts it: Markdown
/// text of at most <see cref="MaxLength"/> characters once trimmed, without NUL characters (PostgreSQL's
/// text type refuses them) or broken UTF-16 (it cannot be stored as UTF-8). Blank means no note.
/// </summary>
public static class NoteText
{
    public const int MaxLength = 10_000;

    /// <summary>The note as it is stored: trimmed, with null for a blank one.</summary>
    public static string? Normalize(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>Why <paramref name="text"/> cannot be a note, in words for the person who wrote it; null when it can.</summary>
    public static string? Problem(string? text)
    {
        if (Normalize(text) is not { } note)
        {
            return null;
        }

        if (note.Length > MaxLength)
        {
            return $"A note holds at most {MaxLength:N0} characters; this one has {note.Length:N0}.";
        }

        if (note.Contains('\0'))
        {
            return "A note cannot contain NUL characters (\\0).";
        }

        return HasBrokenSurrogate(note) ? "A note must be valid Unicode text; this one holds a broken character." : null;
    }

    /// <summary>At most <paramref name="length"/> characters of a note, for places that show only its start (the audit log).</summary>
    public static string? Shorten(string? note, int length) =>
        note is null || note.Length <= length ? note : string.Concat(note.AsSpan(0, char.IsHighSurrogate(note[length - 1]) ? length - 1 : length), "…");

    private static bool HasBrokenSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }
}
