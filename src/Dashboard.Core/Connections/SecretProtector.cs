using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dashboard.Core.Connections;

/// <summary>Where the key ring that encrypts secrets lives (the <c>Secrets</c> section).</summary>
public sealed class SecretOptions
{
    /// <summary>A directory for the keys instead of the database, so a copy of the database alone reveals no secret.</summary>
    public string? KeyDirectory { get; set; }

    /// <summary>A PKCS#12 (.pfx) certificate that encrypts the keys themselves wherever they are kept.</summary>
    public string? KeyCertificate { get; set; }

    public string? KeyCertificatePassword { get; set; }

    public static void Read(IConfiguration? configuration, SecretOptions options)
    {
        options.KeyDirectory = configuration?["Secrets:KeyDirectory"];
        options.KeyCertificate = configuration?["Secrets:KeyCertificate"];
        options.KeyCertificatePassword = configuration?["Secrets:KeyCertificatePassword"];
    }
}

/// <summary>
/// Encrypts connection passwords and extras and secret variables at rest with ASP.NET Core Data
/// Protection (authenticated AES-256, keys rotated every 90 days, old keys kept to read what they
/// wrote). The key ring is its own, apart from the sign-in cookie's, in <c>secret_key</c> or in
/// <see cref="SecretOptions.KeyDirectory"/>. Every instance of the app and the command line share it.
/// </summary>
public sealed class SecretProtector
{
    private const string Purpose = "Dashboard.Secrets.v1";
    private static readonly TimeSpan KeyLifetime = TimeSpan.FromDays(90);
    private readonly IDataProtector _protector;
    private readonly IKeyManager _keys;

    public SecretProtector(IDbContextFactory<DashboardDbContext> dbFactory, SecretOptions options, ILoggerFactory loggers)
    {
        var services = new ServiceCollection().AddSingleton(loggers);
        var builder = services.AddDataProtection().SetApplicationName("Dashboard.Secrets");
        if (options.KeyDirectory is { Length: > 0 } directory)
        {
            builder.PersistKeysToFileSystem(new DirectoryInfo(directory));
        }
        else
        {
            services.Configure<KeyManagementOptions>(keys => keys.XmlRepository = new SecretKeyRepository(dbFactory));
        }

        if (options.KeyCertificate is { Length: > 0 } certificate)
        {
            builder.ProtectKeysWithCertificate(X509CertificateLoader.LoadPkcs12FromFile(certificate, options.KeyCertificatePassword));
        }

        var provider = services.BuildServiceProvider();
        _protector = provider.GetRequiredService<IDataProtectionProvider>().CreateProtector(Purpose);
        _keys = provider.GetRequiredService<IKeyManager>();
    }

    /// <summary>A new key that encrypts from now on (<see cref="SecretRotation"/>); the older ones stay to read what they wrote.</summary>
    public void StartNewKey(DateTimeOffset now) => _keys.CreateNewKey(now, now + KeyLifetime);

    public string Protect(string plaintext) => _protector.Protect(plaintext);

    /// <exception cref="SecretUnreadableException">The key that encrypted it is not in the key ring, or the text was altered.</exception>
    public string Unprotect(string ciphertext)
    {
        try
        {
            return _protector.Unprotect(ciphertext);
        }
        catch (CryptographicException)
        {
            throw new SecretUnreadableException();
        }
    }

    private sealed class SecretKeyRepository(IDbContextFactory<DashboardDbContext> dbFactory) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements()
        {
            using var db = dbFactory.CreateDbContext();
            return db.SecretKeys.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Xml).ToList().Select(xml => XElement.Parse(xml)).ToList();
        }

        public void StoreElement(XElement element, string friendlyName)
        {
            using var db = dbFactory.CreateDbContext();
            db.SecretKeys.Add(new SecretKey { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
            db.SaveChanges();
        }
    }
}

/// <summary>A stored secret that this app's key ring cannot decrypt; the message says what to do, never the secret.</summary>
public sealed class SecretUnreadableException() : Exception(
    "A stored secret cannot be decrypted: the key that encrypted it is not in this app's key ring " +
    "(Secrets:KeyDirectory or the secret_key table, see the README's Connections and Variables section). Set the secret again.");
