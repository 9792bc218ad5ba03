namespace Dashboard.Web.Security;

/// <summary>Where to go after signing in: only a path of this app, so a crafted link cannot send a fresh session elsewhere.</summary>
public static class ReturnUrls
{
    public static string LocalOrHome(string? url)
    {
        if (string.IsNullOrEmpty(url) || url[0] != '/'
            || (url.Length > 1 && url[1] is '/' or '\\')
            // Browsers drop tabs and newlines from URLs: "/\t/evil.example" would become "//evil.example".
            || url.Any(c => char.IsControl(c) || c == '\\')
            || url.StartsWith(SecurityDefaults.SignInPath, StringComparison.OrdinalIgnoreCase))
        {
            return "/";
        }

        return url;
    }
}
