using Dashboard.Core.Notifications;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

public sealed class ChangeListenerTests
{
    [Fact]
    public async Task The_app_hears_changes_committed_by_anyone_else_as_soon_as_it_runs()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var app = await DashboardAppHost.StartAsync(connectionString);
        var notifier = app.Services.GetRequiredService<ChangeNotifier>();
        await RecordedChanges.WaitUntilListeningAsync(notifier, connectionString);
        using var changes = RecordedChanges.Subscribe(notifier, dagId: null);

        // Another process adds a DAG, as a second instance's file processor would.
        await using (var db = new DashboardDbContext(DashboardDatabase.Options(connectionString)))
        {
            await TestData.AddDagAsync(db, "from_elsewhere");
        }

        await changes.WaitForDagAsync("from_elsewhere");
    }
}
