using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.Testing;

public static class PageCircuit
{
    /// <summary>
    /// The first paint is prerendered HTML; clicks and typing only reach the server once the page's
    /// circuit is up, which the layout marks on its main element.
    /// </summary>
    public static Task WaitForCircuitAsync(this IPage page) => Expect(page.Locator("main[data-interactive='true']")).ToBeVisibleAsync();
}
