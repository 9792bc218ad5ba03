using Dashboard.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Dashboard.Core.Persistence.Configurations;

internal sealed class ConnectionConfiguration : IEntityTypeConfiguration<Connection>
{
    public void Configure(EntityTypeBuilder<Connection> builder)
    {
        builder.ToTable("connection");
        builder.HasKey(c => c.ConnId);
    }
}

internal sealed class VariableConfiguration : IEntityTypeConfiguration<Variable>
{
    public void Configure(EntityTypeBuilder<Variable> builder)
    {
        builder.ToTable("variable");
        builder.HasKey(v => v.Key);
    }
}

/// <summary>The Data Protection key ring that encrypts connections' and variables' secrets (<see cref="Connections.SecretProtector"/>).</summary>
internal sealed class SecretKeyConfiguration : IEntityTypeConfiguration<SecretKey>
{
    public void Configure(EntityTypeBuilder<SecretKey> builder) => builder.ToTable("secret_key");
}
