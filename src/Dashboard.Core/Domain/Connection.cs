namespace Dashboard.Core.Domain;

/// <summary>
/// How tasks reach an outside system (Airflow's Connection): kept out of DAG files so it can change
/// or rotate without a code change. The password and the extra are stored encrypted
/// (<see cref="Connections.SecretProtector"/>); nothing else is secret.
/// </summary>
public sealed class Connection
{
    public required string ConnId { get; set; }
    public required string ConnType { get; set; }
    public string? Description { get; set; }
    public string? Host { get; set; }
    public int? Port { get; set; }

    /// <summary>Airflow's name for the database (or path) part of a connection.</summary>
    public string? Schema { get; set; }

    public string? Login { get; set; }
    public string? EncryptedPassword { get; set; }

    /// <summary>A JSON object of type-specific settings (sslmode, a token, ...), encrypted as a whole.</summary>
    public string? EncryptedExtra { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A named value tasks read with <c>{{ var.value.KEY }}</c> (Airflow's Variable); a secret one is stored encrypted.</summary>
public sealed class Variable
{
    public required string Key { get; set; }

    /// <summary>The value as written, or its ciphertext when <see cref="IsSecret"/>.</summary>
    public required string Value { get; set; }

    public bool IsSecret { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One key of the ring that encrypts secrets: Data Protection's XML, itself protected when a certificate is configured.</summary>
public sealed class SecretKey
{
    public int Id { get; set; }
    public string? FriendlyName { get; set; }
    public required string Xml { get; set; }
}
