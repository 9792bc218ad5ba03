using Dashboard.Core.Domain;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Security;
using Dashboard.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Config;

public partial class Notifications
{
    private static readonly IReadOnlyList<ToolbarOption> StateOptions =
        [new("", "All states"), .. ToolbarOption.Plain(Enum.GetValues<NotificationState>().Select(UrlValues.Of))];

    private IReadOnlyList<ChannelSummary> _channels = [];
    private IReadOnlyList<NotificationDelivery>? _deliveries;
    private NotificationState? _state;
    private string? _sending;

    [Inject]
    private NotificationService Service { get; set; } = null!;

    [Inject]
    private CurrentOperator Operator { get; set; } = null!;

    [Inject]
    private UiActions Actions { get; set; } = null!;

    [Inject]
    private NavigationManager Navigation { get; set; } = null!;

    /// <summary>The deliveries' state filter, in the URL so a link shows the same list.</summary>
    [SupplyParameterFromQuery(Name = "state")]
    public string? StateParameter { get; set; }

    private static TimeDisplay Times => TimeDisplay.Utc;

    private bool CanManage => Operator.Actor.Can(Permission.ManageConnections);

    protected override async Task OnParametersSetAsync()
    {
        _state = UrlValues.Parse<NotificationState>(StateParameter);
        if (CanManage)
        {
            _channels = Service.Channels(Operator.Actor);
            await LoadAsync();
        }
    }

    private async Task LoadAsync() => _deliveries = await Service.RecentAsync(Operator.Actor, _state);

    private void FilterState(string value) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("state", value.Length == 0 ? null : value), replace: true);

    private static string KindText(ChannelSummary channel) =>
        channel.Kind == ChannelKind.Webhook ? $"webhook ({UrlValues.Of(channel.Format)})" : "email";

    private async Task SendTestAsync(ChannelSummary channel)
    {
        _sending = channel.Name;
        var requestId = Guid.NewGuid();
        try
        {
            await Actions.RunAsync($"Test {channel.Name}", async () =>
            {
                await Service.SendTestAsync(Operator.Actor, channel.Name, requestId);
                return $"A test message to {channel.Name} is queued; its delivery shows below.";
            });
            await LoadAsync();
        }
        finally
        {
            _sending = null;
        }
    }
}
