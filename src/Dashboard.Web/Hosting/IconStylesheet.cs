using System.Reflection;
using System.Text;
using Dashboard.Web.Components.Shared;
using MudBlazor;

namespace Dashboard.Web.Hosting;

/// <summary>
/// The CSS that draws <see cref="AppIcons"/>: each class is its Material icon's SVG, taken from
/// MudBlazor by the member's name, as a mask over the text colour, so an icon takes the colour and
/// size MudBlazor gives any icon (<c>.mud-icon-root</c> is one em square).
/// </summary>
public static class IconStylesheet
{
    private const string Base =
        ".app-icon{background-color:currentColor;" +
        "-webkit-mask:var(--app-icon) center/100% 100% no-repeat;mask:var(--app-icon) center/100% 100% no-repeat}";

    public static string Build()
    {
        var css = new StringBuilder(Base).Append('\n');
        foreach (var (cssClass, svg) in Icons())
        {
            var image = $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 24 24\">{svg}</svg>";
            css.Append('.').Append(cssClass).Append("{--app-icon:url(\"data:image/svg+xml,").Append(Uri.EscapeDataString(image)).Append("\")}\n");
        }

        return css.ToString();
    }

    /// <summary>Every icon the app names: its CSS class and MudBlazor's SVG for it.</summary>
    public static IEnumerable<(string CssClass, string Svg)> Icons()
    {
        foreach (var kind in typeof(AppIcons).GetNestedTypes())
        {
            var material = typeof(MudBlazor.Icons.Material).GetNestedType(kind.Name)
                ?? throw new InvalidOperationException($"MudBlazor has no Material icon set named {kind.Name}.");
            foreach (var icon in kind.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                var svg = material.GetField(icon.Name)?.GetValue(null) as string
                    ?? throw new InvalidOperationException($"MudBlazor has no Material {kind.Name} icon named {icon.Name}.");
                yield return (ClassOf((string)icon.GetValue(null)!), svg);
            }
        }
    }

    /// <summary>"app-icon filled-menu" draws as "filled-menu".</summary>
    private static string ClassOf(string icon) => icon.Split(' ')[^1];
}
