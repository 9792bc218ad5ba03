using Dashboard.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Core.Persistence.Configurations;

internal sealed class AuditLogConfiguration : IEntityTypeConfiguration<AuditLogEntry>
{
    public void Configure(EntityTypeBuilder<AuditLogEntry> builder)
    {
        // No foreign keys: the record of what happened outlives the DAGs and runs it names.
        builder.ToTable("audit_log");
        builder.Property(a => a.Details).HasColumnType("jsonb");
        builder.HasIndex(a => a.OccurredAt).HasDatabaseName("ix_audit_log_occurred_at");
        builder.HasIndex(a => new { a.DagId, a.OccurredAt }).HasDatabaseName("ix_audit_log_dag_occurred_at");

        // What makes a repeated request (a double click, a client's retry) a no-op.
        builder.HasIndex(a => a.RequestId).IsUnique().HasDatabaseName("ux_audit_log_request_id");
    }
}

internal sealed class ImportErrorConfiguration : IEntityTypeConfiguration<ImportError>
{
    public void Configure(EntityTypeBuilder<ImportError> builder)
    {
        builder.ToTable("import_error");
        builder.HasIndex(e => e.FileLocation).HasDatabaseName("ix_import_error_file");
    }
}
