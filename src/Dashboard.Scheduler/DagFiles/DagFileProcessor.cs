using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Core.Transitions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Scheduler.DagFiles;

/// <summary>
/// Loads the DAG folder into the database. A good file updates its DAG (a changed definition becomes
/// a new version, with the file's text, and the unfinished runs that followed the file move to it);
/// a bad one records its problems as import errors and leaves the DAG's last good version in place;
/// a DAG whose file is gone is deactivated, its history kept.
/// </summary>
public sealed class DagFileProcessor(
    IDbContextFactory<DashboardDbContext> dbFactory,
    IOptions<DagFileOptions> options,
    TimeProvider clock,
    ILogger<DagFileProcessor> logger)
{
    private static readonly JsonSerializerOptions HashJson = new() { WriteIndented = false };

    /// <summary>Reads every file and brings the database in line with the folder.</summary>
    public async Task<FolderResult> ProcessFolderAsync(CancellationToken ct)
    {
        var folder = options.Value.FullFolderPath;
        var files = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.*", SearchOption.TopDirectoryOnly)
                .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .Select(f => (Location: Path.GetFileName(f), Text: File.ReadAllText(f)))
                .Select(f => (f.Location, f.Text, Result: DagFileParser.Parse(f.Text)))
                .ToList()
            : [];
        if (!Directory.Exists(folder))
        {
            logger.LogWarning("The DAG folder {Folder} does not exist; no DAGs are loaded", folder);
        }

        var now = clock.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);

        // Instances that share a database take turns; each pass sees the folder whole.
        await db.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext('dashboard.dag_files'))", ct);

        var errors = new List<ImportError>();
        var loaded = new Dictionary<string, string>(StringComparer.Ordinal); // dag id → file
        var changedDags = new List<string>();
        foreach (var (location, text, result) in files)
        {
            if (result.Dag is not { } definition)
            {
                errors.AddRange(result.Errors.Select(e => NewError(location, e.Line, e.Message, now)));
            }
            else if (loaded.TryGetValue(definition.DagId, out var first))
            {
                errors.Add(NewError(location, 1, $"dag_id '{definition.DagId}' is already defined in {first}; this file is ignored", now));
            }
            else
            {
                loaded[definition.DagId] = location;
                if (await UpsertAsync(db, definition, location, text, now, ct))
                {
                    changedDags.Add(definition.DagId);
                }
            }
        }

        var deactivated = await DeactivateOrphansAsync(db, files.Select(f => f.Location).ToHashSet(), loaded, ct);
        await ReplaceImportErrorsAsync(db, errors, ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);

        if (changedDags.Count + deactivated.Count > 0 || errors.Count > 0)
        {
            logger.LogInformation("DAG folder {Folder}: {Loaded} DAGs loaded ({Changed} changed), {Deactivated} deactivated, {Errors} import errors",
                folder, loaded.Count, changedDags.Count, deactivated.Count, errors.Count);
        }

        return new FolderResult(loaded.Keys.Order().ToList(), changedDags, deactivated, errors.Count);
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
        dag.Params = definition.ParamsJson;
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
    private static async Task<List<string>> DeactivateOrphansAsync(
        DashboardDbContext db, HashSet<string> presentFiles, Dictionary<string, string> loaded, CancellationToken ct)
    {
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
    /// Replaces the recorded errors only when they differ: a rescan that finds the same problems
    /// changes nothing a page shows, and so announces nothing to the open pages.
    /// </summary>
    private static async Task ReplaceImportErrorsAsync(DashboardDbContext db, List<ImportError> errors, CancellationToken ct)
    {
        var recorded = await db.ImportErrors.AsNoTracking().ToListAsync(ct);
        if (recorded.Select(Problem).Order().SequenceEqual(errors.Select(Problem).Order()))
        {
            return;
        }

        await db.ImportErrors.ExecuteDeleteAsync(ct);
        db.ImportErrors.AddRange(errors);

        static (string File, int? Line, string Message) Problem(ImportError e) => (e.FileLocation, e.Line, e.Message);
    }

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
    };

    /// <summary>Everything the file defines, so any change a run could notice makes a version; comments and layout do not.</summary>
    private static string DefinitionHash(DagDefinition definition) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(definition, HashJson))));

    private static ImportError NewError(string location, int? line, string message, DateTimeOffset now) =>
        new() { FileLocation = location, Line = line, Message = message, RecordedAt = now };
}

public sealed record FolderResult(IReadOnlyList<string> Loaded, IReadOnlyList<string> Changed, IReadOnlyList<string> Deactivated, int ImportErrors);
