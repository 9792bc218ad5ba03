using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Core.Auditing;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations;
using Dashboard.Core.Persistence;
using Dashboard.Core.Security;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;
using Npgsql;

namespace Dashboard.Core.Connections;

/// <summary>A connection as anyone signed in may see it: no password, the extra's sensitive fields as <c>***</c>.</summary>
/// <param name="OverriddenByEnvironment">A database connection that <c>DASHBOARD_CONN_ID</c> replaces for tasks.</param>
public sealed record ConnectionSummary(
    string ConnId,
    string ConnType,
    string? Host,
    int? Port,
    string? Schema,
    string? Login,
    bool HasPassword,
    string? RedactedExtra,
    string? Description,
    ConfigSource Source,
    bool OverriddenByEnvironment,
    DateTimeOffset? UpdatedAt);

/// <summary>What happens to a stored secret on an update: kept (a form left blank), replaced or removed.</summary>
public abstract record SecretChange
{
    public static readonly SecretChange Keep = new KeepSecret();
    public static readonly SecretChange Remove = new SetSecret(null);

    public static SecretChange Set(string? value) => string.IsNullOrEmpty(value) ? Remove : new SetSecret(value);

    public sealed record KeepSecret : SecretChange;

    public sealed record SetSecret(string? Value) : SecretChange;
}

/// <summary>Create refuses an existing id, Update a missing one, Upsert does either (the command line's add and import).</summary>
public enum SaveMode
{
    Create,
    Update,
    Upsert,
}

/// <param name="Fields">The connection's fields; its password is ignored in favour of <paramref name="Password"/>.</param>
public sealed record ConnectionEdit(string ConnId, ConnectionFields Fields, SecretChange Password, SaveMode Mode);

public sealed record ConnectionTestResult(bool Succeeded, string Message);

public sealed record ImportResult(int Created, int Updated);

/// <summary>
/// Creates, changes, deletes, lists, exports, imports and tests connections. Anyone signed in may
/// list them, without secrets; an Op or an Admin manages them. Every change is one transaction with
/// its audit row, which names the fields that changed and never a secret's value.
/// </summary>
public sealed class ConnectionService(
    IDbContextFactory<DashboardDbContext> dbFactory,
    ActionRunner runner,
    SecretProtector protector,
    ConfigLookup lookup,
    EnvironmentOverrides environment,
    TimeProvider clock)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The database's connections and the environment's, by id; <paramref name="search"/> matches id, type, host or description.</summary>
    public async Task<IReadOnlyList<ConnectionSummary>> ListAsync(string? search, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Connections.AsNoTracking().OrderBy(c => c.ConnId).ToListAsync(ct);
        var fromEnvironment = environment.ConnectionIds().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var summaries = rows.Select(row => Summary(row, fromEnvironment.Contains(row.ConnId))).ToList();
        var stored = rows.Select(r => r.ConnId).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var id in fromEnvironment.Where(id => !stored.Contains(id)))
        {
            if (TryEnvironment(id) is { } value)
            {
                summaries.Add(Summary(value, null));
            }
        }

        return summaries
            .Where(s => string.IsNullOrWhiteSpace(search) || Matches(s, search.Trim()))
            .OrderBy(s => s.ConnId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>One connection as tasks would see it (the environment's if set), without secrets; null when there is none.</summary>
    public async Task<ConnectionSummary?> GetAsync(string connId, CancellationToken ct = default)
    {
        if (environment.Connection(connId) is { } value)
        {
            return Summary(value, null);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.ConnId == connId, ct) is { } row ? Summary(row, false) : null;
    }

    /// <summary>The stored connection's fields for its edit form: the extra in full, never the password.</summary>
    /// <exception cref="AccessDeniedException">The actor may not manage connections.</exception>
    public async Task<(ConnectionFields Fields, bool HasPassword)?> GetForEditAsync(Actor actor, string connId, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageConnections, "edit connections");
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        if (await db.Connections.AsNoTracking().SingleOrDefaultAsync(c => c.ConnId == connId, ct) is not { } row)
        {
            return null;
        }

        var extra = row.EncryptedExtra is { } encrypted ? protector.Unprotect(encrypted) : null;
        return (new ConnectionFields(row.ConnType, row.Host, row.Port, row.Schema, row.Login, null, extra, row.Description),
            row.EncryptedPassword is not null);
    }

    /// <summary>One connection as tasks would see it (the environment's if set), its secrets in the clear; null when there is none.</summary>
    /// <exception cref="AccessDeniedException">The actor may not manage connections.</exception>
    /// <exception cref="ConfigProblemException">The environment's variable is no connection, or a stored secret cannot be decrypted.</exception>
    public async Task<ConnectionValue?> GetWithSecretsAsync(Actor actor, string connId, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageConnections, "read the secrets of connections");
        var config = await lookup.LoadAsync([connId], [], ct);
        if (config.Problems.Count > 0)
        {
            throw new ConfigProblemException(config.Problems[0]);
        }

        return config.Connections.GetValueOrDefault(connId);
    }

    /// <exception cref="AccessDeniedException">The actor may not manage connections; nothing changed.</exception>
    /// <exception cref="OperationRefusedException">A field is invalid, or the id exists (create) or not (update); nothing changed.</exception>
    public Task<bool> SaveAsync(Actor actor, ConnectionEdit edit, Guid? requestId = null, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageConnections, "change connections");
        Validate(edit);
        return runner.RunAsync(requestId, async db =>
        {
            var now = clock.GetUtcNow();
            var (created, changed) = await ApplyAsync(db, edit, now, ct);
            if (changed.Count > 0 || created)
            {
                AuditWriter.Record(db, now, actor, created ? "connection.create" : "connection.update", null, 1,
                    new { conn_id = edit.ConnId, conn_type = edit.Fields.ConnType, changed_fields = changed }, requestId: requestId);
            }

            return true;
        }, true, ct);
    }

    /// <exception cref="AccessDeniedException">The actor may not manage connections; nothing changed.</exception>
    /// <exception cref="OperationRefusedException">There is no such connection in the database.</exception>
    public Task<bool> DeleteAsync(Actor actor, string connId, Guid? requestId = null, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageConnections, "delete connections");
        return runner.RunAsync(requestId, async db =>
        {
            if (await db.Connections.Where(c => c.ConnId == connId).ExecuteDeleteAsync(ct) == 0)
            {
                throw new OperationRefusedException(environment.ConnectionIds().Contains(connId, StringComparer.OrdinalIgnoreCase)
                    ? $"Connection '{connId}' comes from the environment ({EnvironmentOverrides.ConnectionVariable(connId)}); remove it there."
                    : $"There is no connection '{connId}'.");
            }

            AuditWriter.Record(db, clock.GetUtcNow(), actor, "connection.delete", null, 1, new { conn_id = connId }, requestId: requestId);
            return true;
        }, true, ct);
    }

    /// <summary>
    /// Airflow's export format, <c>{"id": {"conn_type": ..., "host": ..., "password": ..., "extra": ...}}</c>,
    /// of the database's connections. Without <paramref name="includeSecrets"/> it has no password
    /// and the extra's sensitive fields are <c>***</c>; with it (Op or Admin) everything, and the audit log says so.
    /// </summary>
    public async Task<JsonObject> ExportAsync(Actor actor, bool includeSecrets, CancellationToken ct = default)
    {
        if (includeSecrets)
        {
            actor.Demand(Permission.ManageConnections, "export connections with their secrets");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Connections.AsNoTracking().OrderBy(c => c.ConnId).ToListAsync(ct);
        var export = new JsonObject();
        foreach (var row in rows)
        {
            var value = ReadableOrBlank(row);
            var extra = value.Extra is null ? null : includeSecrets ? value.Extra : SensitiveNames.Redact(value.ExtraJson()).ToJsonString();
            var entry = new JsonObject
            {
                ["conn_type"] = value.ConnType,
                ["description"] = value.Description,
                ["host"] = value.Host,
                ["login"] = value.Login,
                ["schema"] = value.Schema,
                ["port"] = value.Port,
                ["extra"] = extra,
            };
            if (includeSecrets)
            {
                entry["password"] = value.Password;
            }

            export[row.ConnId] = entry;
        }

        if (includeSecrets)
        {
            await using var audit = await dbFactory.CreateDbContextAsync(ct);
            AuditWriter.Record(audit, clock.GetUtcNow(), actor, "connection.export", null, rows.Count, new { include_secrets = true });
            await audit.SaveChangesAsync(ct);
        }

        return export;
    }

    /// <summary>
    /// Creates or replaces every connection of an export (<see cref="ExportAsync"/>'s format), all or
    /// none: one bad entry refuses the file. An entry without a <c>password</c> keeps the stored one,
    /// so a file exported without secrets can be imported back; <c>"password": null</c> removes it.
    /// </summary>
    /// <exception cref="OperationRefusedException">The file or one of its entries is invalid; the message names it; nothing changed.</exception>
    public Task<ImportResult> ImportAsync(Actor actor, string json, Guid? requestId = null, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageConnections, "import connections");
        var edits = ImportFile.Entries(json, "connection").Select(entry => ImportEdit(entry.Key, entry.Value)).ToList();
        edits.ForEach(Validate);
        return runner.RunAsync(requestId, async db =>
        {
            var now = clock.GetUtcNow();
            var result = await ImportFile.ApplyAllAsync(edits, edit => ApplyAsync(db, edit, now, ct));
            AuditWriter.Record(db, now, actor, "connection.import", null, result.Created + result.Updated,
                new { conn_ids = edits.Select(e => e.ConnId).ToList(), created = result.Created, updated = result.Updated }, requestId: requestId);
            return result;
        }, new ImportResult(0, 0), ct);
    }

    /// <summary>Opens the connection as a task would (the environment's if set) and reports; only PostgreSQL connections can be tested.</summary>
    /// <exception cref="AccessDeniedException">The actor may not manage connections.</exception>
    public async Task<ConnectionTestResult> TestAsync(Actor actor, string connId, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageConnections, "test connections");
        TryConfig config;
        try
        {
            config = await lookup.LoadAsync([connId], [], ct);
        }
        catch (ConfigProblemException e)
        {
            return new ConnectionTestResult(false, e.Message);
        }

        if (config.Problems.Count > 0)
        {
            return new ConnectionTestResult(false, config.Problems[0]);
        }

        return config.Connections.TryGetValue(connId, out var connection)
            ? await TestAsync(connection, ct)
            : new ConnectionTestResult(false, $"There is no connection '{connId}'.");
    }

    private static async Task<ConnectionTestResult> TestAsync(ConnectionValue connection, CancellationToken ct)
    {
        if (connection.ConnType is not ("postgres" or "postgresql"))
        {
            return new ConnectionTestResult(false, $"Only PostgreSQL connections can be tested here; '{connection.ConnId}' is of type '{connection.ConnType}'.");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = connection.Host ?? "localhost",
            Port = connection.Port ?? 5432,
            Database = connection.Schema,
            Username = connection.Login,
            Password = connection.Password,
            Timeout = (int)TestTimeout.TotalSeconds,
            CommandTimeout = (int)TestTimeout.TotalSeconds,
            Pooling = false,
            ApplicationName = "dashboard connection test",
        };
        if (connection.ExtraJson()["sslmode"]?.ToString() is { } sslMode && Enum.TryParse<SslMode>(sslMode.Replace("-", ""), true, out var mode))
        {
            builder.SslMode = mode;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TestTimeout);
        try
        {
            await using var db = new NpgsqlConnection(builder.ConnectionString);
            await db.OpenAsync(timeout.Token);
            await using var command = new NpgsqlCommand("SELECT current_database(), current_user, split_part(version(), ' ', 2)", db);
            await using var reader = await command.ExecuteReaderAsync(timeout.Token);
            await reader.ReadAsync(timeout.Token);
            return new ConnectionTestResult(true,
                $"Connected to database '{reader.GetString(0)}' as '{reader.GetString(1)}' (PostgreSQL {reader.GetString(2)}).");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or ArgumentException
                                  && !ct.IsCancellationRequested)
        {
            var reason = e is OperationCanceledException ? $"no answer within {TestTimeout.TotalSeconds:0} s" : e.Message;
            return new ConnectionTestResult(false,
                $"Could not connect to {connection.Host ?? "localhost"}:{connection.Port ?? 5432}: {new SecretMasker(connection.SecretValues()).Apply(reason)}");
        }
    }

    private void Validate(ConnectionEdit edit)
    {
        ConnectionRules.DemandId(edit.ConnId, "connection id");
        var password = edit.Password is SecretChange.SetSecret set ? set.Value : null;
        if (ConnectionRules.Problem(edit.Fields with { Password = password }) is { } problem)
        {
            throw new OperationRefusedException($"Connection '{edit.ConnId}': {problem}");
        }
    }

    /// <returns>Whether the connection was created, and the names of the fields that changed.</returns>
    private async Task<(bool Created, List<string> Changed)> ApplyAsync(DashboardDbContext db, ConnectionEdit edit, DateTimeOffset now, CancellationToken ct)
    {
        // Locks the id, not only an existing row: two creates of one id at once then meet here, and the second finds the first's.
        await db.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext('dashboard.connection'), hashtext(@id))", ct, P("id", edit.ConnId));
        var row = await db.Connections.FromSql($"SELECT * FROM connection WHERE conn_id = {edit.ConnId} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (row is null && edit.Mode == SaveMode.Update)
        {
            throw new OperationRefusedException($"There is no connection '{edit.ConnId}' to change; it may have been deleted.");
        }

        if (row is not null && edit.Mode == SaveMode.Create)
        {
            throw new OperationRefusedException($"A connection '{edit.ConnId}' already exists; edit it instead.");
        }

        var created = row is null;
        row ??= db.Connections.Add(new Connection { ConnId = edit.ConnId, ConnType = edit.Fields.ConnType, CreatedAt = now }).Entity;
        var old = created ? null : ReadableOrBlank(row);
        var fields = edit.Fields;
        var changed = new List<string>();
        void Track(string name, bool differs)
        {
            if (created || differs)
            {
                changed.Add(name);
            }
        }

        Track("conn_type", old?.ConnType != fields.ConnType);
        Track("host", old?.Host != fields.Host);
        Track("port", old?.Port != fields.Port);
        Track("schema", old?.Schema != fields.Schema);
        Track("login", old?.Login != fields.Login);
        Track("description", old?.Description != fields.Description);
        var extra = string.IsNullOrWhiteSpace(fields.Extra) ? null : KeepMaskedSecrets(JsonNode.Parse(fields.Extra)!.AsObject(), old?.ExtraJson()).ToJsonString();
        Track("extra", !JsonEquals(old?.Extra, extra));
        (row.ConnType, row.Host, row.Port, row.Schema, row.Login, row.Description) =
            (fields.ConnType, fields.Host, fields.Port, fields.Schema, fields.Login, fields.Description);
        row.EncryptedExtra = extra is null ? null : protector.Protect(extra);
        if (edit.Password is SecretChange.SetSecret set && (created || set.Value != old?.Password))
        {
            row.EncryptedPassword = set.Value is null ? null : protector.Protect(set.Value);
            if (!created || set.Value is not null)
            {
                changed.Add("password");
            }
        }

        if (changed.Count > 0)
        {
            row.UpdatedAt = now;
        }

        await db.SaveChangesAsync(ct);
        return (created, changed);
    }

    /// <summary>
    /// The extra with each sensitive field that reads <c>***</c>, the mask an export without secrets
    /// writes, set back to the stored value: such a file imports back without losing the secrets.
    /// </summary>
    private static JsonObject KeepMaskedSecrets(JsonObject extra, JsonObject? stored)
    {
        if (stored is null)
        {
            return extra;
        }

        foreach (var (name, value) in extra.ToList())
        {
            if (!stored.TryGetPropertyValue(name, out var storedValue))
            {
                continue;
            }

            if (SensitiveNames.IsSensitive(name) && value is JsonValue masked && masked.GetValueKind() == JsonValueKind.String
                && masked.GetValue<string>() == SecretMasker.Mask)
            {
                extra[name] = storedValue?.DeepClone();
            }
            else if (value is JsonObject nested && storedValue is JsonObject storedNested)
            {
                KeepMaskedSecrets(nested, storedNested);
            }
        }

        return extra;
    }

    /// <summary>The stored connection, with secrets the key ring cannot read as missing: they can be set again, never read.</summary>
    private ConnectionValue ReadableOrBlank(Connection row)
    {
        string? Read(string? encrypted)
        {
            try
            {
                return encrypted is null ? null : protector.Unprotect(encrypted);
            }
            catch (SecretUnreadableException)
            {
                return null;
            }
        }

        return new ConnectionValue(row.ConnId, row.ConnType, row.Host, row.Port, row.Schema, row.Login,
            Read(row.EncryptedPassword), Read(row.EncryptedExtra), row.Description, ConfigSource.Database);
    }

    private static ConnectionEdit ImportEdit(string connId, JsonNode? node)
    {
        if (node is not JsonObject entry)
        {
            throw new OperationRefusedException($"Connection '{connId}' in the file is not a JSON object.");
        }

        try
        {
            string? Text(string name) => entry[name] switch
            {
                null => null,
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                JsonValue v => v.ToJsonString(),
                _ => throw new FormatException($"its {name} must be text"),
            };
            var port = entry["port"] switch
            {
                null => (int?)null,
                JsonValue v when v.TryGetValue<int>(out var n) => n,
                JsonValue v when int.TryParse(v.ToString(), out var n) => n,
                _ => throw new FormatException("its port must be a number"),
            };
            var extra = entry["extra"] switch
            {
                null => null,
                JsonObject o => o.ToJsonString(),
                JsonValue v => v.ToString(),
                _ => throw new FormatException("its extra must be a JSON object"),
            };
            var fields = new ConnectionFields(Text("conn_type") ?? throw new FormatException("it has no conn_type"),
                Text("host"), port, Text("schema"), Text("login"), null, extra, Text("description"));
            var password = entry.ContainsKey("password") ? SecretChange.Set(Text("password")) : SecretChange.Keep;
            return new ConnectionEdit(connId, fields, password, SaveMode.Upsert);
        }
        catch (FormatException e)
        {
            throw new OperationRefusedException($"Connection '{connId}' in the file: {e.Message}.");
        }
    }

    private ConnectionValue? TryEnvironment(string connId)
    {
        try
        {
            return environment.Connection(connId);
        }
        catch (ConfigProblemException)
        {
            return new ConnectionValue(connId, "(invalid)", null, null, null, null, null, null,
                $"{EnvironmentOverrides.ConnectionVariable(connId)} is not a valid connection URI", ConfigSource.Environment);
        }
    }

    private ConnectionSummary Summary(Connection row, bool overridden)
    {
        string? extra;
        try
        {
            extra = row.EncryptedExtra is { } encrypted ? Redacted(protector.Unprotect(encrypted)) : null;
        }
        catch (SecretUnreadableException)
        {
            extra = "(cannot be decrypted with this key ring)";
        }

        return new ConnectionSummary(row.ConnId, row.ConnType, row.Host, row.Port, row.Schema, row.Login, row.EncryptedPassword is not null,
            extra, row.Description, ConfigSource.Database, overridden, row.UpdatedAt);
    }

    private static ConnectionSummary Summary(ConnectionValue value, DateTimeOffset? updatedAt) =>
        new(value.ConnId, value.ConnType, value.Host, value.Port, value.Schema, value.Login, value.Password is not null,
            value.Extra is null ? null : Redacted(value.Extra), value.Description, value.Source, false, updatedAt);

    private static string Redacted(string extra)
    {
        try
        {
            return JsonNode.Parse(extra) is JsonObject json ? SensitiveNames.Redact(json).ToJsonString() : SecretMasker.Mask;
        }
        catch (JsonException)
        {
            return SecretMasker.Mask;
        }
    }

    private static bool Matches(ConnectionSummary summary, string search) =>
        new[] { summary.ConnId, summary.ConnType, summary.Host, summary.Description }
            .Any(text => text?.Contains(search, StringComparison.OrdinalIgnoreCase) == true);

    private static bool JsonEquals(string? a, string? b) =>
        a is null || b is null ? a == b : JsonNode.DeepEquals(JsonNode.Parse(a), JsonNode.Parse(b));
}
