using Dashboard.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Core.Persistence.Configurations;

internal sealed class TaskInstanceConfiguration : IEntityTypeConfiguration<TaskInstance>
{
    public void Configure(EntityTypeBuilder<TaskInstance> builder)
    {
        builder.ToTable("task_instance");
        builder.HasOne<DagRun>().WithMany().HasForeignKey(t => t.DagRunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Dag>().WithMany().HasForeignKey(t => t.DagId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(t => t.RowVersion).IsRowVersion().HasColumnName("xmin").HasColumnType("xid");

        // Also the grid's read path: every task instance of a run.
        builder.HasIndex(t => new { t.DagRunId, t.TaskId }).IsUnique().HasDatabaseName("ux_task_instance_run_task");

        // One task across runs: clear past/future, depends_on_past.
        builder.HasIndex(t => new { t.DagId, t.TaskId }).HasDatabaseName("ix_task_instance_dag_task");

        // The scheduler's and executor's work queues, and heartbeat recovery.
        builder.HasIndex(t => t.State)
            .HasFilter("state IN ('scheduled', 'queued', 'running', 'restarting', 'up_for_retry')")
            .HasDatabaseName("ix_task_instance_active");
    }
}

internal sealed class TaskInstanceHistoryConfiguration : IEntityTypeConfiguration<TaskInstanceHistory>
{
    public void Configure(EntityTypeBuilder<TaskInstanceHistory> builder)
    {
        builder.ToTable("task_instance_history");

        // No foreign key to task_instance: a per-row check would cost a clear of 10,000 instances a sixth
        // of its time. A statement trigger deletes a task instance's history with it (see the
        // HistoryWithoutForeignKey migration).
        builder.HasIndex(h => new { h.TaskInstanceId, h.TryNumber }).IsUnique().HasDatabaseName("ux_task_instance_history_ti_try");
    }
}

internal sealed class TaskLogLineConfiguration : IEntityTypeConfiguration<TaskLogLine>
{
    public void Configure(EntityTypeBuilder<TaskLogLine> builder)
    {
        builder.ToTable("task_log");
        builder.HasOne<TaskInstance>().WithMany().HasForeignKey(l => l.TaskInstanceId).OnDelete(DeleteBehavior.Cascade);

        // A try's log in order, and the tail after a given line while the task runs.
        builder.HasIndex(l => new { l.TaskInstanceId, l.TryNumber, l.Id }).HasDatabaseName("ix_task_log_ti_try");
    }
}
