using Dashboard.Core.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Web.Security;

/// <summary>
/// Sign-in data: ASP.NET Core Identity's users and roles, and the keys that protect the sign-in
/// cookie. It lives in the web app, next to Identity, and shares the app's database with
/// <see cref="DashboardDbContext"/>, with its own migrations and history table
/// (Identity's EF stores need the ASP.NET shared framework, which Core does without).
/// </summary>
public sealed class SecurityDbContext(DbContextOptions<SecurityDbContext> options)
    : IdentityDbContext<DashboardUser, IdentityRole, string>(options)
{
    public const string MigrationsHistoryTable = "ef_security_migrations_history";

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public static DbContextOptions<SecurityDbContext> Options(string connectionString)
    {
        var builder = new DbContextOptionsBuilder<SecurityDbContext>();
        Configure(builder, connectionString);
        return builder.Options;
    }

    public static void Configure(DbContextOptionsBuilder builder, string connectionString) =>
        DashboardDatabase.QuietFailureEvents(builder.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable)));

    /// <summary>Applies every pending migration of the sign-in tables.</summary>
    public static async Task MigrateAsync(string connectionString, CancellationToken ct = default)
    {
        await using var db = new SecurityDbContext(Options(connectionString));
        await db.Database.MigrateAsync(ct);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // Identity's default names (AspNetUsers, UserNameIndex) renamed to read like the rest of the schema.
        builder.Entity<DashboardUser>(user =>
        {
            user.ToTable("identity_user");
            user.HasIndex(u => u.NormalizedUserName).HasDatabaseName("ux_identity_user_normalized_user_name");
            user.HasIndex(u => u.NormalizedEmail).HasDatabaseName("ix_identity_user_normalized_email");
        });
        builder.Entity<IdentityRole>(role =>
        {
            role.ToTable("identity_role");
            role.HasIndex(r => r.NormalizedName).HasDatabaseName("ux_identity_role_normalized_name");
        });
        builder.Entity<IdentityUserRole<string>>().ToTable("identity_user_role");
        builder.Entity<IdentityUserClaim<string>>().ToTable("identity_user_claim");
        builder.Entity<IdentityUserLogin<string>>().ToTable("identity_user_login");
        builder.Entity<IdentityUserToken<string>>().ToTable("identity_user_token");
        builder.Entity<IdentityRoleClaim<string>>().ToTable("identity_role_claim");
        builder.Entity<DataProtectionKey>().ToTable("data_protection_key");

        builder.UseSnakeCaseNames();
    }
}

/// <summary>One key of the ring that protects the sign-in cookie, as ASP.NET Data Protection writes it.</summary>
public sealed class DataProtectionKey
{
    public int Id { get; set; }
    public string? FriendlyName { get; set; }
    public required string Xml { get; set; }
}
