using Dashboard.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Core.Persistence.Configurations;

internal sealed class DagRunConfiguration : IEntityTypeConfiguration<DagRun>
{
    public void Configure(EntityTypeBuilder<DagRun> builder)
    {
        builder.ToTable("dag_run");
        builder.Property(r => r.Conf).HasColumnType("jsonb");
        builder.HasOne<Dag>().WithMany().HasForeignKey(r => r.DagId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<DagVersion>().WithMany().HasForeignKey(r => r.DagVersionId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Backfill>().WithMany().HasForeignKey(r => r.BackfillId).OnDelete(DeleteBehavior.SetNull);

        builder.HasIndex(r => new { r.DagId, r.RunId }).IsUnique().HasDatabaseName("ux_dag_run_dag_run_id");

        // One run per logical date (NULLs, i.e. undated manual runs, do not collide).
        builder.HasIndex(r => new { r.DagId, r.LogicalDate }).IsUnique().HasDatabaseName("ux_dag_run_dag_logical_date");

        // The grid and the runs list page through a DAG's runs by run_after.
        builder.HasIndex(r => new { r.DagId, r.RunAfter }).HasDatabaseName("ix_dag_run_dag_run_after");

        // The scheduler only ever looks at unfinished runs.
        builder.HasIndex(r => new { r.State, r.DagId })
            .HasFilter("state IN ('queued', 'running')")
            .HasDatabaseName("ix_dag_run_unfinished");

        // The DAG list and its "needs attention" section count and list the runs that failed lately.
        builder.HasIndex(r => r.EndDate)
            .HasFilter("state = 'failed'")
            .HasDatabaseName("ix_dag_run_failed_end_date");

        // The scheduler's one query per pass for runs past their deadline. Only runs still to be judged
        // are in it: a run leaves it when it is marked, and when it finishes (on time, or it would have
        // been marked), so the runs that met their deadlines do not pile up in it.
        builder.HasIndex(r => r.DeadlineAt)
            .HasFilter("deadline_at IS NOT NULL AND deadline_missed_at IS NULL AND state IN ('queued', 'running')")
            .HasDatabaseName("ix_dag_run_deadline_pending");

        // The "needs attention" section lists the runs that missed their deadline lately.
        builder.HasIndex(r => r.DeadlineMissedAt)
            .HasFilter("deadline_missed_at IS NOT NULL")
            .HasDatabaseName("ix_dag_run_deadline_missed_at");

        builder.HasIndex(r => r.BackfillId).HasDatabaseName("ix_dag_run_backfill");

        // The runs a trigger_dag task instance created: its own wait, the panels' links, and a clear that follows them.
        builder.HasIndex(r => new { r.TriggeringDagId, r.TriggeringRunId, r.TriggeringTaskId })
            .HasFilter("triggering_dag_id IS NOT NULL").HasDatabaseName("ix_dag_run_triggering");
    }
}
