using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dashboard.Core.Connections;

/// <summary>
/// Replaces every secret a try could see with <c>***</c> before a line is stored or shown: as
/// written, URL-encoded and JSON-escaped, the longest first. Values shorter than
/// <see cref="MinLength"/> are left alone, as in Airflow: masking "no" or "1" would garble every log.
/// </summary>
public sealed class SecretMasker
{
    public const string Mask = "***";
    public const int MinLength = 4;

    public static readonly SecretMasker None = new([]);

    private readonly Regex? _pattern;

    public SecretMasker(IEnumerable<string> secrets)
    {
        var forms = secrets
            .Where(s => s.Length >= MinLength)
            .SelectMany(s => new[] { s, Uri.EscapeDataString(s), JsonEncodedText.Encode(s).ToString() })
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(s => s.Length)
            .Select(Regex.Escape)
            .ToList();
        _pattern = forms.Count == 0 ? null : new Regex(string.Join('|', forms), RegexOptions.CultureInvariant);
    }

    public bool IsEmpty => _pattern is null;

    public string Apply(string text) => _pattern is null ? text : _pattern.Replace(text, Mask);
}
