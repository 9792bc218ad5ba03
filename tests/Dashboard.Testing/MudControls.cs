using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Dashboard.Testing;

/// <summary>
/// MudBlazor's form controls worked as a person works them, for the ones that are no native form
/// field: a select is a combobox whose options open in a popover, a date field reads what was
/// typed once the field is left.
/// </summary>
public static class MudControls
{
    /// <summary>Opens <paramref name="select"/> (its combobox) and clicks the option named exactly <paramref name="option"/>.</summary>
    public static Task SelectAsync(ILocator select, string option) =>
        SelectAsync(select, new LocatorGetByRoleOptions { Name = option, Exact = true });

    /// <summary>Opens <paramref name="select"/> (its combobox) and clicks the option whose name matches <paramref name="option"/>.</summary>
    public static Task SelectAsync(ILocator select, Regex option) =>
        SelectAsync(select, new LocatorGetByRoleOptions { NameRegex = option });

    /// <summary>Types <paramref name="isoDate"/> (yyyy-MM-dd) into the date field <paramref name="field"/> and leaves it with Tab.</summary>
    public static async Task FillDateAsync(ILocator field, string isoDate)
    {
        var input = field.Locator("input");
        await input.FillAsync(isoDate);
        await input.PressAsync("Tab");
    }

    private static async Task SelectAsync(ILocator select, LocatorGetByRoleOptions option)
    {
        await select.ClickAsync();
        await Expect(select).ToHaveAttributeAsync("aria-expanded", "true");

        // The options are drawn in a popover at the page's root, not inside the select: the list it controls.
        var list = await select.GetAttributeAsync("aria-controls") ?? throw new InvalidOperationException("The select names no list of options.");
        await select.Page.Locator($"[id='{list}']").GetByRole(AriaRole.Option, option).ClickAsync();
        await Expect(select).ToHaveAttributeAsync("aria-expanded", "false");
    }
}
