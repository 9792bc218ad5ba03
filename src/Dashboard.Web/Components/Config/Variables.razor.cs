using Dashboard.Core.Connections;
using Dashboard.Core.Security;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Web.Components.Config;

public partial class Variables
{
    private IReadOnlyList<VariableSummary>? _rows;
    private string? _searchInput;

    [Inject]
    private VariableService Service { get; set; } = null!;

    [Inject]
    private CurrentOperator Operator { get; set; } = null!;

    [Inject]
    private UiActions Actions { get; set; } = null!;

    [Inject]
    private IDialogService Dialogs { get; set; } = null!;

    [Inject]
    private NavigationManager Navigation { get; set; } = null!;

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

    private Task AddAsync() => OpenAsync("Add variable", new DialogParameters<VariableDialog>());

    private Task EditAsync(VariableSummary row) =>
        OpenAsync($"Edit variable {row.Key}", new DialogParameters<VariableDialog> { { d => d.Existing, row } });

    private async Task OpenAsync(string title, DialogParameters<VariableDialog> parameters)
    {
        var dialog = await Dialogs.ShowAsync<VariableDialog>(title, parameters,
            new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        if (await dialog.Result is { Canceled: false })
        {
            await LoadAsync();
        }
    }

    private async Task DeleteAsync(VariableSummary row)
    {
        if (!await Dialogs.ConfirmAsync("Delete variable", $"Delete the variable {row.Key}? Tasks that read it fail until it is added again.",
                "Delete", "Keep it"))
        {
            return;
        }

        var requestId = Guid.NewGuid();
        await Actions.RunAsync($"Delete variable {row.Key}", async () =>
        {
            await Service.DeleteAsync(Operator.Actor, row.Key, requestId);
            return $"{row.Key} is deleted.";
        });
        await LoadAsync();
    }
}
