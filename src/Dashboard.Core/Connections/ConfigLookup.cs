using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Core.Connections;

/// <summary>
/// The connections and variables a try's templates name, decrypted, the environment's winning over
/// the database's. Only what the templates name is read, in one query per kind.
/// </summary>
public sealed class ConfigLookup(IDbContextFactory<DashboardDbContext> dbFactory, SecretProtector protector, EnvironmentOverrides environment)
{
    /// <summary>
    /// The named connections and variables that exist. One that exists but cannot be used (an
    /// environment variable that is no URI, a secret the key ring cannot decrypt) is a problem that
    /// names it: the try fails with it instead of running without.
    /// </summary>
    public async Task<TryConfig> LoadAsync(IReadOnlyCollection<string> connIds, IReadOnlyCollection<string> variableKeys, CancellationToken ct)
    {
        var problems = new List<string>();
        var connections = new Dictionary<string, ConnectionValue>(StringComparer.Ordinal);
        var variables = new Dictionary<string, VariableValue>(StringComparer.Ordinal);
        var fromDatabase = new List<string>();
        foreach (var id in connIds)
        {
            try
            {
                if (environment.Connection(id) is { } value)
                {
                    connections[id] = value;
                }
                else
                {
                    fromDatabase.Add(id);
                }
            }
            catch (ConfigProblemException e)
            {
                problems.Add(e.Message);
            }
        }

        var keysFromDatabase = new List<string>();
        foreach (var key in variableKeys)
        {
            if (environment.Variable(key) is { } value)
            {
                variables[key] = value;
            }
            else
            {
                keysFromDatabase.Add(key);
            }
        }

        if (fromDatabase.Count > 0 || keysFromDatabase.Count > 0)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            foreach (var row in await db.Connections.AsNoTracking().Where(c => fromDatabase.Contains(c.ConnId)).ToListAsync(ct))
            {
                Decrypt(() => connections[row.ConnId] = Decrypted(row), $"connection '{row.ConnId}'", problems);
            }

            foreach (var row in await db.Variables.AsNoTracking().Where(v => keysFromDatabase.Contains(v.Key)).ToListAsync(ct))
            {
                Decrypt(() => variables[row.Key] = Decrypted(row), $"variable '{row.Key}'", problems);
            }
        }

        return new TryConfig(connections, variables, problems);
    }

    public ConnectionValue Decrypted(Connection row) =>
        new(row.ConnId, row.ConnType, row.Host, row.Port, row.Schema, row.Login,
            row.EncryptedPassword is { } password ? protector.Unprotect(password) : null,
            row.EncryptedExtra is { } extra ? protector.Unprotect(extra) : null,
            row.Description, ConfigSource.Database);

    public VariableValue Decrypted(Variable row) =>
        new(row.Key, row.IsSecret ? protector.Unprotect(row.Value) : row.Value, row.IsSecret || SensitiveNames.IsSensitive(row.Key), ConfigSource.Database);

    private static void Decrypt(Action read, string what, List<string> problems)
    {
        try
        {
            read();
        }
        catch (SecretUnreadableException e)
        {
            problems.Add($"The {what} cannot be used. {e.Message}");
        }
    }
}

/// <summary>What a try's templates may read, and what its log must never show.</summary>
public sealed record TryConfig(
    IReadOnlyDictionary<string, ConnectionValue> Connections,
    IReadOnlyDictionary<string, VariableValue> Variables,
    IReadOnlyList<string> Problems)
{
    public static readonly TryConfig Empty = new(new Dictionary<string, ConnectionValue>(), new Dictionary<string, VariableValue>(), []);

    public SecretMasker Masker() =>
        new(Connections.Values.SelectMany(c => c.SecretValues())
            .Concat(Variables.Values.Where(v => v.IsSecret).SelectMany(v => VariableSecrets(v.Value))));

    /// <summary>A secret variable's value, and each string in it when it is JSON: <c>var.json</c> can hand out any of them.</summary>
    private static IEnumerable<string> VariableSecrets(string value)
    {
        yield return value;
        System.Text.Json.Nodes.JsonNode? json = null;
        try
        {
            json = System.Text.Json.Nodes.JsonNode.Parse(value);
        }
        catch (System.Text.Json.JsonException)
        {
        }

        foreach (var leaf in SensitiveNames.SensitiveStrings(json, sensitive: true))
        {
            yield return leaf;
        }
    }
}
