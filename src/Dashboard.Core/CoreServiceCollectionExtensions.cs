using Dashboard.Core.Connections;
using Dashboard.Core.Dags;
using Dashboard.Core.Notifications;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Observability;
using Dashboard.Core.Operations;
using Dashboard.Core.Operations.Backfill;
using Dashboard.Core.Operations.Clear;
using Dashboard.Core.Operations.Mark;
using Dashboard.Core.Operations.Notes;
using Dashboard.Core.Operations.Pause;
using Dashboard.Core.Operations.Selection;
using Dashboard.Core.Operations.Trigger;
using Dashboard.Core.Operations.Versions;
using Dashboard.Core.Persistence;
using Dashboard.Core.Queries;
using Dashboard.Core.Queries.Graph;
using Dashboard.Core.Queries.Grid;
using Dashboard.Core.Queries.Timeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dashboard.Core;

public static class CoreServiceCollectionExtensions
{
    /// <summary>The database, the domain operations and the read-side queries every host needs, with their settings from <paramref name="configuration"/>.</summary>
    public static IServiceCollection AddDashboardCore(this IServiceCollection services, string connectionString, IConfiguration? configuration = null)
    {
        services.AddDbContextFactory<DashboardDbContext>(options => DashboardDatabase.Configure(options, connectionString));
        // A host started by tests may bring its own clock.
        services.TryAddSingleton(TimeProvider.System);
        // A meter per container (the factory's), so tests in one process each see only their own measurements.
        services.AddMetrics();
        services.AddSingleton<DashboardMetrics>();
        services.AddSingleton<ChangeNotifier>();
        services.AddSingleton(provider => ActivatorUtilities.CreateInstance<PostgresChangeListener>(provider, connectionString));
        services.AddSingleton<DagPauseService>();
        services.AddSingleton<DagTriggerService>();
        services.AddSingleton<ActionRunner>();
        services.AddSingleton<DagVersionCache>();
        services.AddSingleton<RerunVersionPlanner>();
        services.AddSingleton<TaskInstanceSelection>();
        services.AddSingleton<ClearService>();
        services.AddSingleton<MarkService>();
        services.AddSingleton<MarkRunService>();
        services.AddSingleton<NoteService>();
        services.AddOptions<BackfillOptions>().Configure(options => BackfillOptions.Read(configuration, options)).ValidateOnStart();
        services.AddSingleton<BackfillService>();
        services.AddSingleton<DagListQuery>();
        services.AddSingleton<DagRunsQuery>();
        services.AddSingleton<GridQuery>();
        services.AddSingleton<GraphQuery>();
        services.AddSingleton<GraphLayoutCache>();
        services.AddSingleton<NeedsAttentionQuery>();
        services.AddSingleton<TaskLogQuery>();
        services.AddSingleton<ImportErrorQuery>();
        services.AddSingleton<AuditLogQuery>();
        services.AddSingleton<BackfillListQuery>();
        services.AddSingleton<DagCodeQuery>();
        services.AddSingleton<DagSearchQuery>();
        services.AddSingleton<GanttQuery>();
        services.AddSingleton<DurationsQuery>();
        services.AddSingleton<Queries.Calendar.CalendarQuery>();
        services.AddSingleton<DagDetailsQuery>();
        services.AddSingleton(provider =>
        {
            var options = new SecretOptions();
            SecretOptions.Read(configuration, options);
            return ActivatorUtilities.CreateInstance<SecretProtector>(provider, options);
        });
        services.TryAddSingleton(EnvironmentOverrides.Process);
        services.AddSingleton<ConfigLookup>();
        services.AddSingleton<ConnectionService>();
        services.AddSingleton<VariableService>();
        services.AddSingleton<SecretRotation>();
        services.AddSingleton<NotificationService>();
        return services;
    }
}
