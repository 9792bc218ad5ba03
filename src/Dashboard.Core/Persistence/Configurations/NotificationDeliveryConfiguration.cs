using Dashboard.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Core.Persistence.Configurations;

internal sealed class NotificationDeliveryConfiguration : IEntityTypeConfiguration<NotificationDelivery>
{
    public void Configure(EntityTypeBuilder<NotificationDelivery> builder)
    {
        // No foreign keys: a delivery outlives the DAG and run it tells of, like the audit log.
        builder.ToTable("notification");
        builder.Property(n => n.Kind).HasMaxLength(40);
        builder.Property(n => n.Channel).HasMaxLength(100);
        builder.Property(n => n.Payload).HasColumnType("jsonb");
        builder.Property(n => n.ClaimedBy).HasMaxLength(200);
        builder.Property(n => n.LastError).HasMaxLength(2000);

        // An event reaches a channel once: the de-duplication the outbox promises.
        builder.HasIndex(n => new { n.EventId, n.Channel }).IsUnique().HasDatabaseName("ux_notification_event_channel");

        // The worker's claim: only unsettled rows, by when they are due.
        builder.HasIndex(n => n.NextAttemptAt).HasDatabaseName("ix_notification_due")
            .HasFilter("state IN ('pending', 'delivering')");

        // The page's newest-first list, filtered by state.
        builder.HasIndex(n => new { n.State, n.CreatedAt }).HasDatabaseName("ix_notification_state_created");
        builder.HasIndex(n => n.CreatedAt).HasDatabaseName("ix_notification_created");
    }
}
