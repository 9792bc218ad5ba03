using AngleSharp.Dom;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Dashboard.Web.Components.Dialogs;
using MudBlazor;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// A Clear or Mark dialog on <see cref="PipelineDag"/>, opened by the app's own <see cref="TaskActionDialogs"/>,
/// read and driven the way a person would: its option buttons, its list, its Confirm.
/// </summary>
public abstract class ActionDialogTest : ComponentTest
{
    private IRenderedComponent<MudDialogProvider>? _provider;

    protected IRenderedComponent<MudDialogProvider> Provider => _provider ?? throw new InvalidOperationException("Open a dialog first.");

    /// <summary>Completes when the dialog closes: true when the action was applied.</summary>
    protected Task<bool> Closed { get; private set; } = Task.FromResult(false);

    protected static string Run(string alias) => PipelineDag.Runs[alias];

    protected async Task SeedAsync() => await PipelineDag.SeedAsync(await UseEngineAsync());

    protected async Task OpenAsync(Func<TaskActionDialogs, Task<bool>> open)
    {
        (_provider, Closed) = await OpenDialogAsync(services => open(services.GetRequiredService<TaskActionDialogs>()));
        await Provider.WaitForAssertionAsync(() => Provider.Find("[data-testid='action-dialog']"));
    }

    protected string Title => Provider.Find(".mud-dialog-title").TextContent.Trim();

    protected IElement Option(string name) => Provider.Find($"[data-testid='option-{name}']");

    protected void Toggle(string name) => Option(name).Click();

    protected bool Pressed(string name) => Option(name).GetAttribute("aria-pressed") == "true";

    /// <summary>The rows of a list, as "d2 transform".</summary>
    protected string[] Listed(string testId = "affected") =>
    [
        .. Provider.FindAll($"[data-testid='{testId}'] tr[data-task-id]")
            .Select(row => PipelineDag.Alias(row.GetAttribute("data-run-id")!, row.GetAttribute("data-task-id")!)),
    ];

    /// <summary>Waits until the preview has loaded and lists exactly <paramref name="expected"/>, in this order.</summary>
    protected Task WaitForListAsync(params string[] expected) => WaitForListAsync("affected", expected);

    protected Task WaitForListAsync(string testId, string[] expected) => Provider.WaitForAssertionAsync(() =>
    {
        Assert.Equal("false", Provider.Find("section.affected").GetAttribute("aria-busy"));
        Assert.Equal(expected, Listed(testId));
    });

    protected string? Blocker => Provider.FindAll("[data-testid='action-blocker']").SingleOrDefault()?.TextContent.Trim();

    protected string? Error => Provider.FindAll("[data-testid='action-error']").SingleOrDefault()?.TextContent.Trim();

    protected bool CanConfirm => !Provider.Find("[data-testid='action-confirm']").HasAttribute("disabled");

    protected void Confirm() => Provider.Find("[data-testid='action-confirm']").Click();

    /// <summary>Confirms and waits until the dialog has closed; returns what its opener answered.</summary>
    protected async Task<bool> ConfirmAndCloseAsync()
    {
        Confirm();
        var applied = await Closed.WaitAsync(DefaultWaitTimeout);
        await Provider.WaitForAssertionAsync(() => Assert.Empty(Provider.FindAll("[data-testid='action-dialog']")));
        return applied;
    }
}
