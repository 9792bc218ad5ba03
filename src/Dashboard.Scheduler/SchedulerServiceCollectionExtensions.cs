using Dashboard.Core.Notifications.Outbox;
using Dashboard.Scheduler.DagFiles;
using Dashboard.Scheduler.Execution;
using Dashboard.Scheduler.Execution.Containment;
using Dashboard.Scheduler.Hosting;
using Dashboard.Scheduler.Notifications;
using Dashboard.Scheduler.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dashboard.Scheduler;

public static class SchedulerServiceCollectionExtensions
{
    /// <summary>
    /// The DAG-file processor, the scheduler and the local executor. Each role runs as a hosted
    /// service unless switched off (<c>Scheduler:Enabled</c>, <c>Executor:Enabled</c>), so a large
    /// install can run them on some instances only.
    /// </summary>
    public static IServiceCollection AddDashboardScheduler(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SchedulerOptions>().Bind(configuration.GetSection(SchedulerOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ExecutorOptions>().Bind(configuration.GetSection(ExecutorOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DagFileOptions>().Bind(configuration.GetSection(DagFileOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<DagFileOptions>, DagFileOptionsValidation>();

        services.AddSingleton<EngineSignals>();
        services.AddSingleton<TaskLogWriter>();
        services.AddSingleton<DagFileProcessor>();
        services.AddSingleton<DagScheduler>();
        services.AddSingleton<SchedulerLoop>();
        services.AddSingleton(provider => TaskContainment.Create(
            provider.GetRequiredService<IOptions<ExecutorOptions>>().Value.Containment,
            provider.GetRequiredService<ILoggerFactory>().CreateLogger<TaskContainment>()));
        services.AddSingleton<LocalExecutor>();
        AddNotificationDelivery(services, configuration);

        if (configuration.GetValue(SchedulerOptions.Section + ":Enabled", true))
        {
            services.AddHostedService<DagFolderService>();
            services.AddHostedService<SchedulerService>();
        }

        if (configuration.GetValue(ExecutorOptions.Section + ":Enabled", true))
        {
            services.AddHostedService<ExecutorService>();
        }

        return services;
    }

    /// <summary>
    /// The notification settings (checked at start-up), the routes the engine's transitions enqueue
    /// by, and the delivery worker, hosted unless <c>Notifications:Delivery:Enabled</c> is false.
    /// </summary>
    private static void AddNotificationDelivery(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidation>();
        services.AddSingleton<NotificationRoutes>();
        services.AddHttpClient(WebhookSender.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan); // the worker's send timeout rules
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<EmailSender>();
        services.AddSingleton<DeliveryWorker>();
        if (configuration.GetValue(NotificationOptions.Section + ":Delivery:Enabled", true))
        {
            services.AddHostedService<NotificationDeliveryService>();
        }
    }
}
