using Bunit;
using Dashboard.Core.Domain;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Components.Config;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The notifications page over the real service: a Viewer is refused before anything is read; an
/// Op sees the channels without their secrets, and "Send test" enqueues a delivery (with its audit
/// row) that the list then shows, filtered by state through the URL.
/// </summary>
public sealed class NotificationsPageTests : ComponentTest
{
    private const string HookToken = "tok-91c4";

    private Task UseChannelsAsync() => UseEngineAsync(new Dictionary<string, string?>
    {
        ["Notifications:Channels:ops_hook:Kind"] = "webhook",
        ["Notifications:Channels:ops_hook:Url"] = $"https://hooks.example.test/services/{HookToken}?sig={HookToken}",
        ["Notifications:Channels:ops_mail:Kind"] = "email",
        ["Notifications:Channels:ops_mail:Connection"] = "smtp_relay",
        ["Notifications:Channels:ops_mail:From"] = "dashboard@example.test",
        ["Notifications:Channels:ops_mail:To:0"] = "oncall@example.test",
        ["Notifications:Delivery:Enabled"] = "false",
    });

    [Theory]
    [InlineData(Role.Viewer)]
    [InlineData(Role.User)]
    public async Task Anyone_below_an_op_is_refused_and_sees_no_channel_or_delivery(Role role)
    {
        await UseChannelsAsync();
        SignInAs(role, "vera");

        var page = Render<Notifications>();

        Assert.Contains($"you have the {role} role", page.Find("[data-testid='notifications-refused']").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid='channels']"));
        Assert.DoesNotContain("ops_hook", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_op_sees_the_channels_without_secrets_and_send_test_enqueues_an_audited_delivery()
    {
        await UseChannelsAsync();
        SignInAs(Role.Op, "olga");

        var page = Render<Notifications>();

        await page.WaitForAssertionAsync(() => page.Find("[data-channel='ops_hook']"));
        Assert.Contains("https://hooks.example.test", page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(HookToken, page.Markup, StringComparison.Ordinal);
        Assert.Contains("oncall@example.test", page.Find("[data-channel='ops_mail']").ParentElement!.TextContent, StringComparison.Ordinal);
        Assert.Contains("connection smtp_relay", page.Markup, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-testid='deliveries']"));

        await page.InvokeAsync(() => page.FindAll("[data-testid='send-test']")[0].Click());

        await page.WaitForAssertionAsync(() => Assert.Equal("pending", page.Find("[data-testid='delivery-state']").TextContent.Trim()));
        await using var db = Engine.CreateContext();
        var row = await db.Notifications.SingleAsync();
        Assert.Equal(("ops_hook", "test", NotificationState.Pending), (row.Channel, row.Kind, row.State));
        var audit = await db.AuditLog.SingleAsync(a => a.Action == "notification.test");
        Assert.Equal("olga", audit.Actor);
    }

    [Fact]
    public async Task The_state_filter_in_the_url_lists_only_deliveries_in_that_state()
    {
        await UseChannelsAsync();
        SignInAs(Role.Admin, "ada");
        await Services.GetRequiredService<NotificationService>().SendTestAsync(Actors.Admin("ada"), "ops_hook");
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("state", "failed"));

        var page = Render<Notifications>();

        await page.WaitForAssertionAsync(() => Assert.Contains("None is failed.", page.Markup, StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid='deliveries']"));
    }
}
