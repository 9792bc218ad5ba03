using Dashboard.Core.Dags;
using Dashboard.Core.Persistence;
using static Dashboard.Core.Persistence.DbCommands;

namespace Dashboard.Core.Operations.Versions;

/// <summary>Whether the DAG's file loads now: when it does not, re-runs use its last good version.</summary>
public enum DagFileStatus
{
    Loaded,

    /// <summary>The file has import errors; the DAG keeps the version its file last loaded into.</summary>
    Broken,

    /// <summary>The file is gone; the DAG keeps its last version and its history.</summary>
    Gone,
}

/// <summary>A run a re-run touches whose version is not the DAG's current one, with what moving it changes.</summary>
public sealed record RunVersionMove(long DagRunId, string RunId, int? FromVersionId, VersionChange Change);

/// <summary>
/// What a re-run (Clear, Clear &amp; Retry, a backfill's re-runs) does to the versions of the runs it
/// touches. By default each of them moves to the DAG's current version, so the re-run runs the DAG
/// as its file is now; with <see cref="KeepVersions"/> they stay on the versions they have.
/// </summary>
/// <param name="Current">The DAG's current version: its file's last good parse.</param>
/// <param name="Behind">The touched runs on another version, whether or not they move.</param>
public sealed record RerunVersions(DagVersionModel? Current, DagFileStatus FileStatus, string? FileLocation, IReadOnlyList<RunVersionMove> Behind, bool KeepVersions)
{
    public static readonly RerunVersions None = new(null, DagFileStatus.Loaded, null, [], KeepVersions: false);

    /// <summary>The runs that move, with their changes; none when keeping versions.</summary>
    public IReadOnlyList<RunVersionMove> Moves => KeepVersions ? [] : Behind;

    /// <summary>Runs keep their version, or there is no version to move to: relatives are found in each run's own version.</summary>
    public bool ResolvesInOwnVersions => KeepVersions || Current is null;

    /// <summary>Why the current version is not what the file says now, for the dialogs; null when the file loads.</summary>
    public string? FileNote => (FileStatus, Current) switch
    {
        (DagFileStatus.Loaded, _) or (_, null) => null,
        (DagFileStatus.Broken, var current) =>
            $"The DAG file {FileLocation} does not load (see its import errors), so re-runs use the last good version, {current.Label}, parsed {current.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC.",
        (_, var current) =>
            $"The DAG file {FileLocation} is gone, so re-runs use its last version, {current.Label}, parsed {current.CreatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC.",
    };

    /// <summary>Whether a task instance of this run and task is cleared (rather than removed by the run's move).</summary>
    public bool Keeps(long dagRunId, string taskId) =>
        Current is null || KeepVersions || !Behind.Any(m => m.DagRunId == dagRunId) || Current.HasTask(taskId);

    /// <summary>The same versions as <paramref name="other"/>: the same current version and the same runs moving from the same versions.</summary>
    public bool SameAs(RerunVersions other) =>
        Current?.VersionId == other.Current?.VersionId && KeepVersions == other.KeepVersions
        && Moves.Select(Key).Order().SequenceEqual(other.Moves.Select(Key).Order());

    private static (long, int?, int) Key(RunVersionMove move) => (move.DagRunId, move.FromVersionId, move.Change.To.VersionId);
}

/// <summary>Works out <see cref="RerunVersions"/>: the one place Clear and Backfill learn which version a re-run runs.</summary>
public sealed class RerunVersionPlanner(DagVersionCache versions)
{
    /// <summary>
    /// The DAG's current version and the file's status. With <paramref name="lockDag"/> the DAG row
    /// is share-locked first: the DAG-file processor then cannot make another version current until
    /// this transaction ends, so the version applied is the version checked.
    /// </summary>
    public async Task<(DagVersionModel? Current, DagFileStatus Status, string? File)> CurrentAsync(
        DashboardDbContext db, string dagId, bool lockDag, CancellationToken ct)
    {
        var rows = await db.QueryAsync($"""
                SELECT d.current_version_id, d.is_active, d.file_location,
                       EXISTS (SELECT FROM import_error e WHERE e.file_location = d.file_location)
                FROM dag d
                WHERE d.dag_id = @dag
                {(lockDag ? "FOR SHARE OF d" : "")}
                """,
            r => (Version: r.NullableField<int?>(0), Active: r.GetBoolean(1), File: r.NullableField<string>(2), Broken: r.GetBoolean(3)),
            ct, P("dag", dagId));
        if (rows.Count == 0)
        {
            return (null, DagFileStatus.Gone, null);
        }

        var dag = rows[0];
        var current = dag.Version is { } id ? await versions.GetAsync(db, id, ct) : null;
        var status = !dag.Active ? DagFileStatus.Gone : dag.Broken ? DagFileStatus.Broken : DagFileStatus.Loaded;
        return (current, status, dag.File);
    }

    /// <summary>What re-running these runs does to their versions.</summary>
    /// <param name="runs">The runs touched, with the version each is on now.</param>
    public async Task<RerunVersions> PlanAsync(
        DashboardDbContext db, (DagVersionModel? Current, DagFileStatus Status, string? File) dag,
        IEnumerable<(long DagRunId, string RunId, int? VersionId)> runs, bool keepVersions, CancellationToken ct)
    {
        if (dag.Current is not { } current)
        {
            return RerunVersions.None with { FileStatus = dag.Status, FileLocation = dag.File };
        }

        var behind = runs.DistinctBy(r => r.DagRunId).Where(r => r.VersionId != current.VersionId).ToList();
        var models = await versions.GetAsync(db, behind.Select(r => r.VersionId).OfType<int>(), ct);
        var moves = behind
            .Select(r => new RunVersionMove(r.DagRunId, r.RunId, r.VersionId,
                r.VersionId is { } from ? current.ChangeFrom(models[from]) : new VersionChange(current, current, [], [])))
            .ToList();
        return new RerunVersions(current, dag.Status, dag.File, moves, keepVersions);
    }
}
