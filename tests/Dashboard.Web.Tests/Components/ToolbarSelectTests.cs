using Bunit;
using Dashboard.Web.Components.Shared;

namespace Dashboard.Web.Tests.Components;

/// <summary>The toolbar's native select: its options, the current one, and the change it reports.</summary>
public sealed class ToolbarSelectTests : ComponentTest
{
    private static readonly IReadOnlyList<ToolbarOption> RunStates = [new("", "All run states"), new("failed", "failed"), new("success", "success")];

    private IRenderedComponent<ToolbarSelect> RenderSelect(string? value, Action<string>? changed = null) =>
        Render<ToolbarSelect>(p => p
            .Add(s => s.Value, value)
            .Add(s => s.ValueChanged, changed ?? (_ => { }))
            .Add(s => s.Label, "Run state")
            .Add(s => s.Options, RunStates)
            .Add(s => s.Class, "toolbar-select")
            .AddUnmatched("data-testid", "run-state-filter")
            .AddUnmatched("aria-label", "Run state of the runs shown"));

    [Fact]
    public void Every_option_is_drawn_with_the_current_one_selected_under_a_visible_label()
    {
        var select = RenderSelect("failed");

        var options = select.FindAll("select > option");
        Assert.Equal([("", "All run states"), ("failed", "failed"), ("success", "success")], options.Select(o => (o.GetAttribute("value"), o.TextContent)));
        Assert.Equal(["failed"], options.Where(o => o.HasAttribute("selected")).Select(o => o.GetAttribute("value")));
        var label = select.Find("label.toolbar-select-field");
        Assert.Contains("toolbar-select", label.ClassList);
        Assert.Equal("Run state", label.QuerySelector(".toolbar-select-label")!.TextContent);
    }

    [Fact]
    public void A_change_reports_the_chosen_value()
    {
        var chosen = new List<string>();
        var select = RenderSelect("", chosen.Add);

        select.Find("select").Change("success");

        Assert.Equal(["success"], chosen);
    }

    [Fact]
    public void A_value_none_of_the_options_stands_for_is_shown_as_itself()
    {
        var select = RenderSelect("scheduled__2020-01-01");

        var options = select.FindAll("select > option");
        Assert.Equal(4, options.Count);
        Assert.Equal(("scheduled__2020-01-01", "scheduled__2020-01-01"), (options[0].GetAttribute("value"), options[0].TextContent));
        Assert.Equal(["scheduled__2020-01-01"], options.Where(o => o.HasAttribute("selected")).Select(o => o.GetAttribute("value")));
    }

    [Fact]
    public void The_callers_attributes_land_on_the_select_and_no_popover_is_drawn()
    {
        var select = RenderSelect("", null);

        var element = select.Find("[data-testid='run-state-filter']");
        Assert.Equal("SELECT", element.TagName);
        Assert.Equal("Run state of the runs shown", element.GetAttribute("aria-label"));
        Assert.False(element.HasAttribute("disabled"));
        Assert.Empty(select.FindAll(".mud-popover, .mud-select, .mud-input-control, [class*='mud-']"));
    }

    [Fact]
    public void A_disabled_select_is_disabled()
    {
        var select = Render<ToolbarSelect>(p => p.Add(s => s.Label, "Run").Add(s => s.Options, [new("", "no runs yet")]).Add(s => s.Disabled, true));

        Assert.True(select.Find("select").HasAttribute("disabled"));
    }
}
