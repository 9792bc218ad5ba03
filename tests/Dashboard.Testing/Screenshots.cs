using Microsoft.Playwright;

namespace Dashboard.Testing;

/// <summary>
/// The pictures browser tests leave in artifacts/screenshots for people to look at; none when
/// DASHBOARD_SCREENSHOTS is 0.
/// </summary>
public static class Screenshots
{
    /// <param name="fileName">A name, or a path relative to the folder.</param>
    public static async Task SaveAsync(IPage page, string fileName)
    {
        if (Environment.GetEnvironmentVariable("DASHBOARD_SCREENSHOTS") is "0")
        {
            return;
        }

        // The theme's stylesheet is linked again as the circuit starts; a picture taken before it loads shows a shifted layout.
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var path = Path.Combine(RepositoryLayout.Root, "artifacts", "screenshots", fileName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await page.ScreenshotAsync(new() { Path = path });
    }
}
