using Dashboard.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Persistence;

public sealed class DashboardDbContext(DbContextOptions<DashboardDbContext> options) : DbContext(options)
{
    public DbSet<Dag> Dags => Set<Dag>();
    public DbSet<DagVersion> DagVersions => Set<DagVersion>();
    public DbSet<DagTask> DagTasks => Set<DagTask>();
    public DbSet<DagRun> DagRuns => Set<DagRun>();
    public DbSet<TaskInstance> TaskInstances => Set<TaskInstance>();
    public DbSet<TaskInstanceHistory> TaskInstanceHistory => Set<TaskInstanceHistory>();
    public DbSet<TaskLogLine> TaskLogs => Set<TaskLogLine>();
    public DbSet<Backfill> Backfills => Set<Backfill>();
    public DbSet<BackfillDagRun> BackfillDagRuns => Set<BackfillDagRun>();
    public DbSet<AuditLogEntry> AuditLog => Set<AuditLogEntry>();
    public DbSet<ImportError> ImportErrors => Set<ImportError>();
    public DbSet<Connection> Connections => Set<Connection>();
    public DbSet<Variable> Variables => Set<Variable>();
    public DbSet<SecretKey> SecretKeys => Set<SecretKey>();
    public DbSet<NotificationDelivery> Notifications => Set<NotificationDelivery>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<TaskInstanceState>().HaveConversion<SnakeCaseEnumConverter<TaskInstanceState>>();
        configurationBuilder.Properties<DagRunState>().HaveConversion<SnakeCaseEnumConverter<DagRunState>>();
        configurationBuilder.Properties<DagRunType>().HaveConversion<SnakeCaseEnumConverter<DagRunType>>();
        configurationBuilder.Properties<DagRunTriggeredBy>().HaveConversion<SnakeCaseEnumConverter<DagRunTriggeredBy>>();
        configurationBuilder.Properties<TriggerRule>().HaveConversion<SnakeCaseEnumConverter<TriggerRule>>();
        configurationBuilder.Properties<TaskKind>().HaveConversion<SnakeCaseEnumConverter<TaskKind>>();
        configurationBuilder.Properties<ReprocessBehavior>().HaveConversion<SnakeCaseEnumConverter<ReprocessBehavior>>();
        configurationBuilder.Properties<LogStream>().HaveConversion<SnakeCaseEnumConverter<LogStream>>();
        configurationBuilder.Properties<NotificationState>().HaveConversion<SnakeCaseEnumConverter<NotificationState>>();
        configurationBuilder.Properties<DeadlineReference>().HaveConversion<SnakeCaseEnumConverter<DeadlineReference>>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(DashboardDbContext).Assembly);
        modelBuilder.UseSnakeCaseNames();
    }
}
