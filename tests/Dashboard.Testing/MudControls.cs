using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.Testing;

/// <summary>
/// The app's form controls worked as a person works them, where a plain Playwright call falls short:
/// a toolbar select (the app's ToolbarSelect, a native select) is picked by the text of an option,
/// exact or a pattern; a MudBlazor date field reads what was typed once the field is left.
/// </summary>
public static class MudControls
{
    /// <summary>Picks the option of the native <paramref name="select"/> whose text is exactly <paramref name="option"/>.</summary>
    public static Task SelectAsync(ILocator select, string option) =>
        SelectAsync(select, new Regex($"^{Regex.Escape(option)}$"));

    /// <summary>Picks the option of the native <paramref name="select"/> whose text matches <paramref name="option"/>.</summary>
    public static async Task SelectAsync(ILocator select, Regex option)
    {
        // A prerendered select can be changed before the circuit is up, and the change would reach no one.
        await select.Page.WaitForCircuitAsync();
        var value = await select.Locator("option").Filter(new() { HasTextRegex = option }).GetAttributeAsync("value")
            ?? throw new InvalidOperationException($"The option matching {option} has no value.");
        await select.SelectOptionAsync(new SelectOptionValue { Value = value });
        await Expect(select).ToHaveValueAsync(value);
    }

    /// <summary>Types <paramref name="isoDate"/> (yyyy-MM-dd) into the date field <paramref name="field"/> and leaves it with Tab.</summary>
    public static async Task FillDateAsync(ILocator field, string isoDate)
    {
        var input = field.Locator("input");
        await input.FillAsync(isoDate);
        await input.PressAsync("Tab");
    }
}
