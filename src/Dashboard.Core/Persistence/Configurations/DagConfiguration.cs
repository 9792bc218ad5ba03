using Dashboard.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Core.Persistence.Configurations;

internal sealed class DagConfiguration : IEntityTypeConfiguration<Dag>
{
    public void Configure(EntityTypeBuilder<Dag> builder)
    {
        builder.ToTable("dag");
        builder.HasKey(d => d.DagId);

        // json, not jsonb: kept as written, so re-parsing an unchanged file changes nothing.
        builder.Property(d => d.Notifications).HasColumnType("json");
        builder.HasOne(d => d.CurrentVersion).WithMany().HasForeignKey(d => d.CurrentVersionId).OnDelete(DeleteBehavior.SetNull);
    }
}

internal sealed class DagVersionConfiguration : IEntityTypeConfiguration<DagVersion>
{
    public void Configure(EntityTypeBuilder<DagVersion> builder)
    {
        builder.ToTable("dag_version");
        builder.Property(v => v.Params).HasColumnType("json");
        builder.HasOne<Dag>().WithMany().HasForeignKey(v => v.DagId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(v => new { v.DagId, v.VersionNumber }).IsUnique().HasDatabaseName("ux_dag_version_dag_number");
        builder.HasMany(v => v.Tasks).WithOne().HasForeignKey(t => t.DagVersionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DagTaskConfiguration : IEntityTypeConfiguration<DagTask>
{
    public void Configure(EntityTypeBuilder<DagTask> builder)
    {
        builder.ToTable("dag_task");
        builder.Property(t => t.Env).HasColumnType("jsonb");
        builder.Property(t => t.CrossDag).HasColumnType("jsonb");
        builder.HasIndex(t => new { t.DagVersionId, t.TaskId }).IsUnique().HasDatabaseName("ux_dag_task_version_task");

        // Which tasks wait on or trigger a DAG: what a clear that follows links across DAGs looks up.
        builder.HasIndex(t => new { t.ExternalDagId, t.ExternalTaskId })
            .HasFilter("external_dag_id IS NOT NULL").HasDatabaseName("ix_dag_task_external_dag");
    }
}
