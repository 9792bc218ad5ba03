using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Core.Auditing;
using Dashboard.Core.Domain;
using Dashboard.Core.Operations;
using Dashboard.Core.Persistence;
using Dashboard.Core.Security;
using Microsoft.EntityFrameworkCore;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Connections;

/// <summary>A variable as anyone signed in may see it: a secret one without its value.</summary>
public sealed record VariableSummary(
    string Key,
    string? Value,
    bool IsSecret,
    string? Description,
    ConfigSource Source,
    bool OverriddenByEnvironment,
    DateTimeOffset? UpdatedAt);

/// <param name="Value">The new value; null keeps the stored one (a secret's edit form left blank).</param>
public sealed record VariableEdit(string Key, string? Value, bool IsSecret, string? Description, SaveMode Mode);

/// <summary>
/// Creates, changes, deletes, lists, exports and imports variables. Anyone signed in may list them,
/// a secret one without its value (a variable whose key names a secret, like <c>api_token</c>, is
/// always secret); an Op or an Admin manages them. Every change is one transaction with its audit
/// row, which never holds a secret value.
/// </summary>
public sealed class VariableService(
    IDbContextFactory<DashboardDbContext> dbFactory,
    ActionRunner runner,
    SecretProtector protector,
    EnvironmentOverrides environment,
    TimeProvider clock)
{
    /// <summary>How much of a plain value the audit row keeps.</summary>
    private const int AuditValueLength = 200;

    public async Task<IReadOnlyList<VariableSummary>> ListAsync(string? search, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Variables.AsNoTracking().OrderBy(v => v.Key).ToListAsync(ct);
        var fromEnvironment = environment.VariableKeys().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var summaries = rows.Select(row => Summary(row, fromEnvironment.Contains(row.Key))).ToList();
        var stored = rows.Select(r => r.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        summaries.AddRange(fromEnvironment.Where(key => !stored.Contains(key))
            .Select(key => environment.Variable(key)).OfType<VariableValue>().Select(Summary));
        return summaries
            .Where(s => string.IsNullOrWhiteSpace(search) || Matches(s, search.Trim()))
            .OrderBy(s => s.Key, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>One variable as tasks would see it, the environment's if set, a secret one without its value; null when there is none.</summary>
    public async Task<VariableSummary?> GetAsync(string key, CancellationToken ct = default)
    {
        if (environment.Variable(key) is { } value)
        {
            return Summary(value);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Variables.AsNoTracking().SingleOrDefaultAsync(v => v.Key == key, ct) is { } row ? Summary(row, false) : null;
    }

    /// <summary>The value tasks would read; a secret one only for an Op or an Admin.</summary>
    /// <exception cref="AccessDeniedException">The variable is secret and the actor may not manage variables.</exception>
    public async Task<string?> GetValueAsync(Actor actor, string key, CancellationToken ct = default)
    {
        VariableValue? value = environment.Variable(key);
        if (value is null)
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            if (await db.Variables.AsNoTracking().SingleOrDefaultAsync(v => v.Key == key, ct) is { } row)
            {
                value = new VariableValue(row.Key, row.IsSecret ? protector.Unprotect(row.Value) : row.Value, IsSecret(row), ConfigSource.Database);
            }
        }

        if (value?.IsSecret == true)
        {
            actor.Demand(Permission.ManageConnections, "read secret variables");
        }

        return value?.Value;
    }

    /// <exception cref="AccessDeniedException">The actor may not manage variables; nothing changed.</exception>
    /// <exception cref="OperationRefusedException">The key or value is invalid, or the key exists (create) or not (update); nothing changed.</exception>
    public Task<bool> SaveAsync(Actor actor, VariableEdit edit, Guid? requestId = null, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageConnections, "change variables");
        Validate(edit);
        return runner.RunAsync(requestId, async db =>
        {
            var now = clock.GetUtcNow();
            var (created, changed) = await ApplyAsync(db, edit, now, ct);
            if (created || changed.Count > 0)
            {
                AuditWriter.Record(db, now, actor, created ? "variable.create" : "variable.update", null, 1, AuditDetails(edit, changed), requestId: requestId);
            }

            return true;
        }, true, ct);
    }

    /// <exception cref="AccessDeniedException">The actor may not manage variables; nothing changed.</exception>
    /// <exception cref="OperationRefusedException">There is no such variable in the database.</exception>
    public Task<bool> DeleteAsync(Actor actor, string key, Guid? requestId = null, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageConnections, "delete variables");
        return runner.RunAsync(requestId, async db =>
        {
            if (await db.Variables.Where(v => v.Key == key).ExecuteDeleteAsync(ct) == 0)
            {
                throw new OperationRefusedException(environment.VariableKeys().Contains(key, StringComparer.OrdinalIgnoreCase)
                    ? $"Variable '{key}' comes from the environment ({EnvironmentOverrides.VariableVariable(key)}); remove it there."
                    : $"There is no variable '{key}'.");
            }

            AuditWriter.Record(db, clock.GetUtcNow(), actor, "variable.delete", null, 1, new { key }, requestId: requestId);
            return true;
        }, true, ct);
    }

    /// <summary>
    /// The database's variables as <c>{"key": {"value": ..., "description": ..., "is_secret": ...}}</c>.
    /// Without <paramref name="includeSecrets"/> a secret one has no value; with it (Op or Admin)
    /// every value, and the audit log says so.
    /// </summary>
    public async Task<JsonObject> ExportAsync(Actor actor, bool includeSecrets, CancellationToken ct = default)
    {
        if (includeSecrets)
        {
            actor.Demand(Permission.ManageConnections, "export variables with their secret values");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var rows = await db.Variables.AsNoTracking().OrderBy(v => v.Key).ToListAsync(ct);
        var export = new JsonObject();
        foreach (var row in rows)
        {
            var entry = new JsonObject();
            if (!IsSecret(row))
            {
                entry["value"] = row.Value;
            }
            else if (includeSecrets)
            {
                entry["value"] = row.IsSecret ? protector.Unprotect(row.Value) : row.Value;
            }

            entry["description"] = row.Description;
            entry["is_secret"] = row.IsSecret;
            export[row.Key] = entry;
        }

        if (includeSecrets)
        {
            db.ChangeTracker.Clear();
            AuditWriter.Record(db, clock.GetUtcNow(), actor, "variable.export", null, rows.Count, new { include_secrets = true });
            await db.SaveChangesAsync(ct);
        }

        return export;
    }

    /// <summary>
    /// Sets every variable of a file, all or none. An entry is <see cref="ExportAsync"/>'s object, or
    /// Airflow's plain form <c>{"key": value}</c> (a value that is not text is kept as its JSON). An
    /// object entry without a <c>value</c> keeps the stored value (a secret exported without it).
    /// </summary>
    /// <exception cref="OperationRefusedException">The file or one of its entries is invalid; nothing changed.</exception>
    public Task<ImportResult> ImportAsync(Actor actor, string json, Guid? requestId = null, CancellationToken ct = default)
    {
        actor.Demand(Permission.ManageConnections, "import variables");
        var edits = ImportFile.Entries(json, "variable").Select(entry => ImportEdit(entry.Key, entry.Value)).ToList();
        edits.ForEach(Validate);
        return runner.RunAsync(requestId, async db =>
        {
            var now = clock.GetUtcNow();
            var result = await ImportFile.ApplyAllAsync(edits, edit => ApplyAsync(db, edit, now, ct));
            AuditWriter.Record(db, now, actor, "variable.import", null, result.Created + result.Updated,
                new { keys = edits.Select(e => e.Key).ToList(), created = result.Created, updated = result.Updated }, requestId: requestId);
            return result;
        }, new ImportResult(0, 0), ct);
    }

    private static void Validate(VariableEdit edit)
    {
        ConnectionRules.DemandId(edit.Key, "variable key");
        if (ConnectionRules.VariableProblem(edit.Value ?? "", edit.Description) is { } problem)
        {
            throw new OperationRefusedException($"Variable '{edit.Key}': {problem}");
        }
    }

    private async Task<(bool Created, List<string> Changed)> ApplyAsync(DashboardDbContext db, VariableEdit edit, DateTimeOffset now, CancellationToken ct)
    {
        // Locks the id, not only an existing row: two creates of one id at once then meet here, and the second finds the first's.
        await db.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext('dashboard.variable'), hashtext(@id))", ct, P("id", edit.Key));
        var row = await db.Variables.FromSql($"SELECT * FROM variable WHERE key = {edit.Key} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (row is null && edit.Mode == SaveMode.Update)
        {
            throw new OperationRefusedException($"There is no variable '{edit.Key}' to change; it may have been deleted.");
        }

        if (row is not null && edit.Mode == SaveMode.Create)
        {
            throw new OperationRefusedException($"A variable '{edit.Key}' already exists; edit it instead.");
        }

        if (row is null && edit.Value is null)
        {
            throw new OperationRefusedException($"Variable '{edit.Key}' needs a value.");
        }

        var created = row is null;
        var oldValue = row is null ? null : row.IsSecret ? TryUnprotect(row.Value) : row.Value;
        row ??= db.Variables.Add(new Variable { Key = edit.Key, Value = "", CreatedAt = now }).Entity;
        var value = edit.Value ?? oldValue ?? throw new OperationRefusedException(
            $"The stored value of variable '{edit.Key}' cannot be decrypted; give it a new value.");
        var changed = new List<string>();
        if (created || value != oldValue)
        {
            changed.Add("value");
        }

        if (!created && row.IsSecret != edit.IsSecret)
        {
            changed.Add("is_secret");
        }

        if (!created && row.Description != edit.Description)
        {
            changed.Add("description");
        }

        row.Value = edit.IsSecret ? protector.Protect(value) : value;
        row.IsSecret = edit.IsSecret;
        row.Description = edit.Description;
        if (created || changed.Count > 0)
        {
            row.UpdatedAt = now;
        }

        await db.SaveChangesAsync(ct);
        return (created, changed);
    }

    private string? TryUnprotect(string encrypted)
    {
        try
        {
            return protector.Unprotect(encrypted);
        }
        catch (SecretUnreadableException)
        {
            return null;
        }
    }

    private static VariableEdit ImportEdit(string key, JsonNode? node)
    {
        if (node is JsonObject entry && entry.ContainsKey("value") | entry.ContainsKey("is_secret")
            && entry.All(p => p.Key is "value" or "description" or "is_secret"))
        {
            var isSecret = entry["is_secret"] switch
            {
                null => false,
                JsonValue v when v.TryGetValue<bool>(out var b) => b,
                _ => throw new OperationRefusedException($"Variable '{key}' in the file: is_secret must be true or false."),
            };
            var description = entry["description"] is JsonValue d ? d.ToString() : null;
            return new VariableEdit(key, entry.ContainsKey("value") ? AsText(entry["value"]) : null, isSecret, description, SaveMode.Upsert);
        }

        return new VariableEdit(key, AsText(node), SensitiveNames.IsSensitive(key), null, SaveMode.Upsert);
    }

    private static string AsText(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };

    private static object AuditDetails(VariableEdit edit, List<string> changed) =>
        IsSecretKey(edit.Key, edit.IsSecret) || edit.Value is null
            ? new { key = edit.Key, is_secret = edit.IsSecret, changed_fields = changed }
            : new { key = edit.Key, is_secret = false, changed_fields = changed, value = edit.Value.Length > AuditValueLength ? edit.Value[..AuditValueLength] + "…" : edit.Value };

    private static bool IsSecret(Variable row) => IsSecretKey(row.Key, row.IsSecret);

    private static bool IsSecretKey(string key, bool marked) => marked || SensitiveNames.IsSensitive(key);

    private static VariableSummary Summary(Variable row, bool overridden) =>
        new(row.Key, IsSecret(row) ? null : row.Value, IsSecret(row), row.Description, ConfigSource.Database, overridden, row.UpdatedAt);

    private static VariableSummary Summary(VariableValue value) =>
        new(value.Key, value.IsSecret ? null : value.Value, value.IsSecret, null, ConfigSource.Environment, false, null);

    private static bool Matches(VariableSummary summary, string search) =>
        summary.Key.Contains(search, StringComparison.OrdinalIgnoreCase)
        || summary.Description?.Contains(search, StringComparison.OrdinalIgnoreCase) == true
        || summary.Value?.Contains(search, StringComparison.OrdinalIgnoreCase) == true;
}
