using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Notifications.Outbox;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Scheduler.DagFiles;

/// <summary>
/// Loads the DAG folder into the database, one file at a time: each file is read, parsed and stored
/// on its own, in its own transaction, so whatever is wrong with one (its bytes, its YAML, its size,
/// its type, or a database error while storing it) is that file's import error and nothing else's.
/// A good file updates its DAG (a changed definition becomes a new version, with the file's text, and
/// the unfinished runs that followed the file move to it); a bad one leaves the DAG's last good version
/// in place; a DAG whose file is gone is deactivated, its history kept.
/// </summary>
public sealed class DagFileProcessor(
    IDbContextFactory<DashboardDbContext> dbFactory,
    IOptions<DagFileOptions> options,
    NotificationRoutes routes,
    TimeProvider clock,
    ILogger<DagFileProcessor> logger)
{
    private const string FolderLock = "SELECT pg_advisory_lock(hashtext('dashboard.dag_files'))";
    private const string FolderUnlock = "SELECT pg_advisory_unlock(hashtext('dashboard.dag_files'))";

    /// <summary>Characters of a stored message; the parser already cuts what it quotes from a file.</summary>
    private const int MaxStoredMessageLength = 2_000;

    /// <summary>Errors a stopped-importing message quotes: enough to act on; the DAG list shows them all.</summary>
    private const int MaxErrorsNotified = 5;

    private static readonly JsonSerializerOptions HashJson = new() { WriteIndented = false };

    private readonly DagFileReader _reader = new();

    /// <summary>Reads every file and brings the database in line with the folder.</summary>
    public async Task<FolderResult> ProcessFolderAsync(CancellationToken ct)
    {
        // Instances that share a database take turns, a whole pass at a time. The lock belongs to a
        // connection held for the pass, since every file is stored in a transaction of its own.
        await using var turn = await dbFactory.CreateDbContextAsync(ct);
        await turn.Database.OpenConnectionAsync(ct);
        await turn.ExecuteAsync(FolderLock, ct);
        try
        {
            return await ProcessLockedAsync(ct);
        }
        finally
        {
            try
            {
                await turn.ExecuteAsync(FolderUnlock, CancellationToken.None);
            }
            catch (DbException e)
            {
                // Closing the connection ends its session, and the lock with it.
                logger.LogWarning(e, "Releasing the DAG folder lock failed");
            }
        }
    }

    private async Task<FolderResult> ProcessLockedAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var folder = settings.FullFolderPath;
        var limits = settings.Limits;
        var now = clock.GetUtcNow();
        var names = Directory.Exists(folder) ? DagFileReader.List(folder) : [];
        if (!Directory.Exists(folder))
        {
            logger.LogWarning("The DAG folder {Folder} does not exist; no DAGs are loaded", folder);
        }

        var present = new HashSet<string>(StringComparer.Ordinal);
        var claimed = new Dictionary<string, string>(StringComparer.Ordinal); // dag id → the file that defines it
        var problems = new Dictionary<string, IReadOnlyList<DagFileError>>(StringComparer.Ordinal);
        var loaded = new List<string>();
        var changed = new List<string>();
        foreach (var name in names)
        {
            ct.ThrowIfCancellationRequested();
            var outcome = await ProcessFileAsync(Path.Combine(folder, name), name, claimed, limits, settings.ReadTimeout, now, ct);
            if (outcome is null)
            {
                continue; // gone since the folder was listed
            }

            present.Add(name);
            if (outcome.Errors.Count > 0)
            {
                problems[name] = outcome.Errors;
            }
            else
            {
                loaded.Add(outcome.DagId!);
                if (outcome.Changed)
                {
                    changed.Add(outcome.DagId!);
                }
            }
        }

        var deactivated = await DeactivateOrphansAsync(present, claimed, ct);
        await RecordImportErrorsAsync(problems, now, ct);

        var errorCount = problems.Values.Sum(p => p.Count);
        if (changed.Count + deactivated.Count > 0 || errorCount > 0)
        {
            logger.LogInformation("DAG folder {Folder}: {Loaded} DAGs loaded ({Changed} changed), {Deactivated} deactivated, {Errors} import errors",
                folder, loaded.Count, changed.Count, deactivated.Count, errorCount);
        }

        return new FolderResult(loaded.Order(StringComparer.Ordinal).ToList(), changed, deactivated, errorCount);
    }

    /// <returns>Null when the file is gone; otherwise the DAG it stored or its problems.</returns>
    private async Task<FileOutcome?> ProcessFileAsync(
        string path, string name, Dictionary<string, string> claimed, DagFileLimits limits, TimeSpan readTimeout, DateTimeOffset now, CancellationToken ct)
    {
        var read = await _reader.ReadAsync(path, limits.MaxFileBytes, readTimeout, ct);
        if (read == DagFileRead.Gone)
        {
            return null;
        }

        if (read.Error is { } unreadable)
        {
            return FileOutcome.Failed(unreadable);
        }

        var (text, undecodable) = DagFileText.Decode(read.Bytes);
        if (undecodable is not null)
        {
            return FileOutcome.Failed(undecodable);
        }

        DagParseResult result;
        try
        {
            result = DagFileParser.Parse(text!, limits);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Parsing DAG file {File} failed unexpectedly", name);
            return FileOutcome.Failed(new DagFileError(null, $"the file could not be parsed: {e.Message}"));
        }

        if (result.Dag is not { } definition)
        {
            return new FileOutcome(null, false, result.Errors);
        }

        if (claimed.TryGetValue(definition.DagId, out var first))
        {
            return FileOutcome.Failed(new DagFileError(1, $"dag_id '{definition.DagId}' is already defined in {first}; this file is ignored"));
        }

        claimed[definition.DagId] = name;
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var changed = await UpsertAsync(db, definition, name, text!, now, ct);
            await transaction.CommitAsync(ct);
            return new FileOutcome(definition.DagId, changed, []);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            // Whatever the database refused, it refused this file only; its DAG keeps its last good version.
            logger.LogWarning(e, "Storing DAG file {File} failed", name);
            return FileOutcome.Failed(new DagFileError(null, $"the DAG could not be stored: {e.GetBaseException().Message}"));
        }
    }

    private sealed record FileOutcome(string? DagId, bool Changed, IReadOnlyList<DagFileError> Errors)
    {
        public static FileOutcome Failed(DagFileError error) => new(null, false, [error]);
    }

    /// <summary>Creates or updates the DAG row and, when its definition changed, adds a version.</summary>
    /// <returns>True when anything about the DAG changed.</returns>
    private static async Task<bool> UpsertAsync(
        DashboardDbContext db, DagDefinition definition, string location, string source, DateTimeOffset now, CancellationToken ct)
    {
        var dag = await db.Dags.Include(d => d.CurrentVersion).SingleOrDefaultAsync(d => d.DagId == definition.DagId, ct);
        if (dag is null)
        {
            // As in Airflow, a new DAG starts paused: nobody should be surprised by a file that starts work.
            dag = new Dag { DagId = definition.DagId, IsPaused = true };
            db.Dags.Add(dag);
        }

        dag.Description = definition.Description;
        dag.Schedule = definition.Schedule;
        dag.Timezone = definition.Timezone;
        dag.StartDate = definition.StartDate;
        dag.EndDate = definition.EndDate;
        dag.Catchup = definition.Catchup;
        dag.MaxActiveRuns = definition.MaxActiveRuns;
        dag.MaxActiveTasks = definition.MaxActiveTasks;
        dag.Tags = [.. definition.Tags];
        dag.EditAccess = definition.EditAccess is { } editors ? [.. editors] : null;
        dag.Notifications = definition.Notifications is { } notifications ? JsonSerializer.Serialize(notifications, HashJson) : null;
        dag.DeadlineReference = definition.Deadline?.Reference;
        dag.DeadlineInterval = definition.Deadline?.Interval;
        dag.MaxConsecutiveFailedDagRuns = definition.MaxConsecutiveFailedDagRuns;
        dag.FileLocation = location;
        dag.IsActive = true;
        var changed = db.Entry(dag).State == EntityState.Added || db.ChangeTracker.HasChanges();

        dag.LastParsedAt = now;
        await db.SaveChangesAsync(ct);

        var hash = DefinitionHash(definition);
        if (dag.CurrentVersion?.StructureHash != hash)
        {
            // Saved apart from the DAG row: the two reference each other, so one must exist first.
            var previous = dag.CurrentVersionId;
            var number = await db.DagVersions.Where(v => v.DagId == dag.DagId).MaxAsync(v => (int?)v.VersionNumber, ct) ?? 0;
            var version = new DagVersion
            {
                DagId = dag.DagId,
                VersionNumber = number + 1,
                StructureHash = hash,
                CreatedAt = now,
                Source = source,
                FileLocation = location,
                Params = definition.Params.ToJson(),
                Tasks = definition.Tasks.Select(ToEntity).ToList(),
            };
            db.DagVersions.Add(version);
            await db.SaveChangesAsync(ct);
            dag.CurrentVersion = version;
            await db.SaveChangesAsync(ct);
            await FollowFileAsync(db, dag.DagId, previous, version.Id, now, ct);
            changed = true;
        }

        return changed;
    }

    /// <summary>
    /// A plain DAG folder runs the file as it is now: the unfinished runs on the version that was
    /// current move to the new one, as a re-run would. A run someone kept on an older version stays there.
    /// </summary>
    private static async Task FollowFileAsync(DashboardDbContext db, string dagId, int? previousVersionId, int versionId, DateTimeOffset now, CancellationToken ct)
    {
        if (previousVersionId is not { } previous)
        {
            return;
        }

        // Locked in id order, as every action locks runs, so the move waits for a scheduler pass instead of deadlocking with it.
        var runs = await db.QueryAsync("""
            SELECT id FROM dag_run
            WHERE dag_id = @dag AND dag_version_id = @previous AND state IN ('queued', 'running')
            ORDER BY id
            FOR UPDATE
            """, r => r.GetInt64(0), ct, P("dag", dagId), P("previous", previous));
        await DagRunTransitions.MoveToVersionAsync(db, dagId, [.. runs.Select(id => (id, (int?)previous))], versionId, now, ct);
    }

    /// <summary>A DAG whose file is gone, or whose file now defines another DAG, is deactivated. A file that fails to parse keeps its DAG.</summary>
    private async Task<List<string>> DeactivateOrphansAsync(HashSet<string> presentFiles, Dictionary<string, string> loaded, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var active = await db.Dags.Where(d => d.IsActive).Select(d => new { d.DagId, d.FileLocation }).ToListAsync(ct);
        var loadedFiles = loaded.Values.ToHashSet(StringComparer.Ordinal);
        var orphans = active
            .Where(d => !loaded.ContainsKey(d.DagId)
                        && (d.FileLocation is null || !presentFiles.Contains(d.FileLocation) || loadedFiles.Contains(d.FileLocation)))
            .Select(d => d.DagId)
            .ToList();
        if (orphans.Count > 0)
        {
            await db.Dags.Where(d => orphans.Contains(d.DagId)).ExecuteUpdateAsync(s => s.SetProperty(d => d.IsActive, false), ct);
        }

        return orphans;
    }

    /// <summary>
    /// Replaces a file's recorded errors only when they differ, file by file: a rescan that finds the
    /// same problems changes nothing a page shows, and so announces nothing to the open pages. A file
    /// that had none and now has some stopped importing: that enqueues its import_error notifications.
    /// </summary>
    private async Task RecordImportErrorsAsync(Dictionary<string, IReadOnlyList<DagFileError>> problems, DateTimeOffset now, CancellationToken ct)
    {
        List<ImportError> recorded;
        await using (var db = await dbFactory.CreateDbContextAsync(ct))
        {
            recorded = await db.ImportErrors.AsNoTracking().ToListAsync(ct);
        }

        var byFile = recorded.ToLookup(e => e.FileLocation, StringComparer.Ordinal);
        foreach (var file in byFile.Select(g => g.Key).Union(problems.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var wanted = (problems.GetValueOrDefault(file) ?? []).Select(e => NewError(file, e.Line, e.Message, now)).ToList();
            if (byFile[file].Select(Problem).Order().SequenceEqual(wanted.Select(Problem).Order()))
            {
                continue;
            }

            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                await db.ImportErrors.Where(e => e.FileLocation == file).ExecuteDeleteAsync(ct);
                db.ImportErrors.AddRange(wanted);
                await db.SaveChangesAsync(ct);
                if (!byFile[file].Any() && wanted.Count > 0)
                {
                    await NotificationOutbox.EnqueueAsync(db, routes, [ImportErrorEvent(file, wanted)], now, ct);
                }

                await transaction.CommitAsync(ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                logger.LogError(e, "Recording the import errors of DAG file {File} failed", file);
            }
        }

        static (string File, int? Line, string Message) Problem(ImportError e) => (e.FileLocation, e.Line, e.Message);
    }

    private static OutboxEvent ImportErrorEvent(string file, List<ImportError> errors) =>
        new(NotificationEvent.ImportError, null, JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["file"] = file,
            ["errors"] = errors.Select(e => e.Line is { } line ? $"line {line}: {e.Message}" : e.Message).Take(MaxErrorsNotified).ToList(),
            ["error_count"] = errors.Count,
            ["occurred_at"] = errors[0].RecordedAt,
        }));

    private static DagTask ToEntity(TaskDefinition task) => new()
    {
        TaskId = task.TaskId,
        Ordinal = task.Ordinal,
        Kind = task.Kind,
        Command = task.Command,
        Retries = task.Retries,
        RetryDelay = task.RetryDelay,
        ExecutionTimeout = task.ExecutionTimeout,
        DependsOnPast = task.DependsOnPast,
        WaitForDownstream = task.WaitForDownstream,
        TriggerRule = task.TriggerRule,
        GroupId = task.GroupId,
        UpstreamTaskIds = [.. task.Upstream],
        Env = JsonSerializer.Serialize(task.Env),
        ExternalDagId = task.CrossDag?.DagId,
        ExternalTaskId = task.CrossDag?.TaskId,
        CrossDag = task.CrossDag?.ToJson(),
    };

    /// <summary>Everything the file defines, so any change a run could notice makes a version; comments and layout do not.</summary>
    private static string DefinitionHash(DagDefinition definition) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(definition, HashJson))));

    private static ImportError NewError(string location, int? line, string message, DateTimeOffset now) =>
        new() { FileLocation = Storable(location), Line = line, Message = Storable(message), RecordedAt = now };

    /// <summary>Text PostgreSQL accepts, of a length a page can show: a message may quote a hostile file.</summary>
    private static string Storable(string text)
    {
        var storable = new StringBuilder(Math.Min(text.Length, MaxStoredMessageLength));
        for (var i = 0; i < text.Length && storable.Length < MaxStoredMessageLength; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                storable.Append(text, i++, 2);
            }
            else if (text[i] == '\0')
            {
                storable.Append("\\0");
            }
            else
            {
                storable.Append(char.IsSurrogate(text[i]) ? '\uFFFD' : text[i]);
            }
        }

        return storable.ToString();
    }
}

public sealed record FolderResult(IReadOnlyList<string> Loaded, IReadOnlyList<string> Changed, IReadOnlyList<string> Deactivated, int ImportErrors);
