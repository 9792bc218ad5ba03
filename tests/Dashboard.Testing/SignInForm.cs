using System.Net;
using System.Text.RegularExpressions;

namespace Dashboard.Testing;

/// <summary>The sign-in page's form, filled in and posted over HTTP as a browser would (with its antiforgery token).</summary>
public static partial class SignInForm
{
    /// <summary>Posts the form; the answer is not followed (a redirect on success, the page with its message otherwise).</summary>
    /// <param name="client">A client that keeps cookies and does not follow redirects.</param>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string userName, string password, string? returnUrl = null)
    {
        var address = returnUrl is null ? "/signin" : $"/signin?returnUrl={Uri.EscapeDataString(returnUrl)}";
        var page = await client.GetStringAsync(address);
        return await client.PostAsync(address, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "signin",
            ["__RequestVerificationToken"] = AntiforgeryToken(page),
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
        }));
    }

    /// <summary>The hidden antiforgery field of the first form on a page.</summary>
    public static string AntiforgeryToken(string page) =>
        TokenField().Match(page) is { Success: true } match
            ? WebUtility.HtmlDecode(match.Groups["token"].Value)
            : throw new InvalidOperationException("The page has no antiforgery token.");

    /// <summary>The message the sign-in and change-password pages show, or null.</summary>
    public static string? Message(string page) =>
        MessageText().Match(page) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups["text"].Value) : null;

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex TokenField();

    [GeneratedRegex("data-testid=\"signin-message\"[^>]*>.*?<span>(?<text>[^<]*)</span>", RegexOptions.Singleline)]
    private static partial Regex MessageText();
}
