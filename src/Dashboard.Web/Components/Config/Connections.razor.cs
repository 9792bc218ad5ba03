using Dashboard.Core.Connections;
using Dashboard.Core.Operations;
using Dashboard.Core.Security;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Web.Components.Config;

public partial class Connections
{
    private IReadOnlyList<ConnectionSummary>? _rows;
    private string? _searchInput;
    private string? _testing;
    private (string ConnId, ConnectionTestResult Result)? _test;

    [Inject]
    private ConnectionService Service { get; set; } = null!;

    [Inject]
    private CurrentOperator Operator { get; set; } = null!;

    [Inject]
    private UiActions Actions { get; set; } = null!;

    [Inject]
    private IDialogService Dialogs { get; set; } = null!;

    [Inject]
    private NavigationManager Navigation { get; set; } = null!;

    [Inject]
    private ILogger<Connections> Logger { get; set; } = null!;

    /// <summary>The search, in the URL so a link shows the same list.</summary>
    [SupplyParameterFromQuery(Name = "q")]
    public string? Search { get; set; }

    private bool CanManage => Operator.Actor.Can(Permission.ManageConnections);

    protected override async Task OnParametersSetAsync()
    {
        _searchInput = Search;
        await LoadAsync();
    }

    private async Task LoadAsync() => _rows = await Service.ListAsync(Search);

    private void ApplySearch() =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("q", string.IsNullOrWhiteSpace(_searchInput) ? null : _searchInput.Trim()), replace: true);

    private Task AddAsync() => OpenAsync("Add connection", new DialogParameters<ConnectionDialog>());

    private Task EditAsync(ConnectionSummary row) =>
        OpenAsync($"Edit connection {row.ConnId}", new DialogParameters<ConnectionDialog> { { d => d.ConnId, row.ConnId } });

    private async Task OpenAsync(string title, DialogParameters<ConnectionDialog> parameters)
    {
        var dialog = await Dialogs.ShowAsync<ConnectionDialog>(title, parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        if (await dialog.Result is { Canceled: false })
        {
            await LoadAsync();
        }
    }

    private async Task DeleteAsync(ConnectionSummary row)
    {
        if (!await Dialogs.ConfirmAsync("Delete connection", $"Delete the connection {row.ConnId}? Tasks that use it fail until it is added again.",
                "Delete", "Keep it"))
        {
            return;
        }

        var requestId = Guid.NewGuid();
        await Actions.RunAsync($"Delete connection {row.ConnId}", async () =>
        {
            await Service.DeleteAsync(Operator.Actor, row.ConnId, requestId);
            return $"{row.ConnId} is deleted.";
        });
        await LoadAsync();
    }

    /// <summary>Opens the connection as a task would; the answer stays above the table, green or red, and in a toast.</summary>
    private async Task TestAsync(ConnectionSummary row)
    {
        var title = $"Test connection {row.ConnId}";
        _testing = row.ConnId;
        _test = null;
        try
        {
            var result = await Service.TestAsync(Operator.Actor, row.ConnId);
            _test = (row.ConnId, result);
            if (result.Succeeded)
            {
                Actions.Succeeded(title, result.Message);
            }
            else
            {
                Actions.Failed(title, result.Message);
            }
        }
        catch (OperationRefusedException refused)
        {
            Actions.Failed(title, refused.Message);
        }
        catch (Exception e)
        {
            Logger.LogError(e, "{Action} failed", title);
            Actions.Failed(title, "It failed unexpectedly; the error has been logged.");
        }
        finally
        {
            _testing = null;
        }
    }
}
