using Dashboard.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Core.Persistence.Configurations;

internal sealed class BackfillConfiguration : IEntityTypeConfiguration<Backfill>
{
    public void Configure(EntityTypeBuilder<Backfill> builder)
    {
        builder.ToTable("backfill");
        builder.Property(b => b.DagRunConf).HasColumnType("jsonb");
        builder.HasOne<Dag>().WithMany().HasForeignKey(b => b.DagId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(b => new { b.DagId, b.CreatedAt }).HasDatabaseName("ix_backfill_dag_created");

        // At most one active backfill per DAG, enforced by the database against racing creators.
        builder.HasIndex(b => b.DagId)
            .IsUnique()
            .HasFilter("completed_at IS NULL")
            .HasDatabaseName("ux_backfill_one_active_per_dag");
    }
}

internal sealed class BackfillDagRunConfiguration : IEntityTypeConfiguration<BackfillDagRun>
{
    public void Configure(EntityTypeBuilder<BackfillDagRun> builder)
    {
        builder.ToTable("backfill_dag_run");
        builder.HasOne<Backfill>().WithMany().HasForeignKey(b => b.BackfillId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<DagRun>().WithMany().HasForeignKey(b => b.DagRunId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(b => new { b.BackfillId, b.DagRunId }).IsUnique().HasDatabaseName("ux_backfill_dag_run_backfill_run");
        builder.HasIndex(b => b.DagRunId).HasDatabaseName("ix_backfill_dag_run_run");
    }
}
