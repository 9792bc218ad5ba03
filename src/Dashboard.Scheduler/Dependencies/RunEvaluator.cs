using Dashboard.Core.Dags;
using Dashboard.Core.Domain;

namespace Dashboard.Scheduler.Dependencies;

/// <summary>A task instance as the scheduler read it.</summary>
public sealed record TaskInstanceSnapshot(long Id, string TaskId, TaskInstanceState? State, DateTimeOffset? RetryAt);

/// <summary>
/// What one scheduling pass knows about a running run. <paramref name="PreviousRun"/> holds the
/// states of the previous run's task instances for depends_on_past, or is null when there is no
/// previous run (the first run, a run without a logical date, or the first run of a backfill),
/// which satisfies the dependency.
/// </summary>
public sealed record RunSnapshot(
    long RunId,
    IReadOnlyList<TaskInstanceSnapshot> TaskInstances,
    bool IsLatestInterval,
    IReadOnlyDictionary<string, TaskInstanceState?>? PreviousRun);

/// <summary>The transitions one pass decided for one run.</summary>
public sealed class RunDecisions
{
    public List<long> Schedule { get; } = [];
    public List<long> Succeed { get; } = [];
    public List<long> Skip { get; } = [];
    public List<long> UpstreamFail { get; } = [];

    /// <summary>external_task and trigger_dag instances whose check is due: the scheduler makes it, no executor slot is taken.</summary>
    public List<long> Poke { get; } = [];

    /// <summary>Set when the run is over.</summary>
    public DagRunState? Outcome { get; set; }

    public bool Any => Schedule.Count + Succeed.Count + Skip.Count + UpstreamFail.Count + Poke.Count > 0 || Outcome is not null;
}

/// <summary>
/// Decides, for one running run, which task instances start a try, which finish without running
/// (empty tasks, trigger-rule skips and upstream failures, latest_only) and whether the run is over.
/// Pure: the scheduler loads the snapshot and applies the decisions through the transitions.
/// </summary>
public static class RunEvaluator
{
    private static readonly TaskInstanceState[] ActiveStates =
    [
        TaskInstanceState.Scheduled, TaskInstanceState.Queued, TaskInstanceState.Running,
        TaskInstanceState.Restarting, TaskInstanceState.UpForRetry, TaskInstanceState.UpForReschedule,
    ];

    /// <param name="freeSlots">Tries the DAG may still start under max_active_tasks; decremented for each one scheduled.</param>
    public static RunDecisions Evaluate(DagVersionModel structure, RunSnapshot run, DateTimeOffset now, ref int freeSlots)
    {
        var decisions = new RunDecisions();
        var byTask = run.TaskInstances.ToDictionary(t => t.TaskId, StringComparer.Ordinal);
        var states = run.TaskInstances.ToDictionary(t => t.TaskId, t => t.State, StringComparer.Ordinal);
        var blocked = false; // some task could go ahead but waits for the past or for a free slot

        // Decisions cascade (an upstream failure skips a whole branch), so repeat until nothing moves.
        for (var moved = true; moved;)
        {
            moved = false;
            foreach (var task in structure.Tasks)
            {
                if (!byTask.TryGetValue(task.TaskId, out var ti) || states[task.TaskId] is not null || decisions.Schedule.Contains(ti.Id)
                    || decisions.Poke.Contains(ti.Id))
                {
                    continue;
                }

                // A removed upstream is gone from the DAG: its downstream goes on as if the edge were not there.
                var upstream = UpstreamCounts.Of(task.Upstream.Where(states.ContainsKey).Select(u => states[u]).Where(s => s != TaskInstanceState.Removed));
                switch (TriggerRules.Evaluate(task.TriggerRule, upstream))
                {
                    case TriggerVerdict.UpstreamFailed:
                        Finish(TaskInstanceState.UpstreamFailed, decisions.UpstreamFail);
                        break;
                    case TriggerVerdict.Skipped:
                        Finish(TaskInstanceState.Skipped, decisions.Skip);
                        break;
                    case TriggerVerdict.Ready when task.DependsOnPast && !PastAllows(task, run.PreviousRun):
                        blocked = true;
                        break;
                    case TriggerVerdict.Ready when task.Kind is TaskKind.Empty or TaskKind.LatestOnly:
                        Finish(TaskInstanceState.Success, decisions.Succeed);
                        if (task.Kind == TaskKind.LatestOnly && !run.IsLatestInterval)
                        {
                            SkipDirectDownstream(task);
                        }

                        break;
                    case TriggerVerdict.Ready when task.Kind is TaskKind.ExternalTask or TaskKind.TriggerDag:
                        decisions.Poke.Add(ti.Id);
                        break;
                    case TriggerVerdict.Ready when freeSlots > 0:
                        decisions.Schedule.Add(ti.Id);
                        freeSlots--;
                        break;
                    case TriggerVerdict.Ready:
                        blocked = true;
                        break;
                }

                void Finish(TaskInstanceState state, List<long> into)
                {
                    states[task.TaskId] = state;
                    into.Add(ti.Id);
                    moved = true;
                }
            }
        }

        foreach (var ti in run.TaskInstances)
        {
            if (ti.State == TaskInstanceState.UpForReschedule && (ti.RetryAt is null || ti.RetryAt <= now))
            {
                decisions.Poke.Add(ti.Id);
            }

            if (ti.State == TaskInstanceState.UpForRetry && (ti.RetryAt is null || ti.RetryAt <= now))
            {
                if (freeSlots > 0)
                {
                    decisions.Schedule.Add(ti.Id);
                    freeSlots--;
                }
                else
                {
                    blocked = true;
                }
            }
        }

        decisions.Outcome = Outcome(structure, states, decisions, blocked);
        return decisions;

        void SkipDirectDownstream(VersionTask latestOnly)
        {
            foreach (var downstream in latestOnly.Downstream)
            {
                if (byTask.TryGetValue(downstream, out var ti) && states[downstream] is null)
                {
                    states[downstream] = TaskInstanceState.Skipped;
                    decisions.Skip.Add(ti.Id);
                }
            }
        }
    }

    /// <summary>depends_on_past: the previous run's instance of this task succeeded or was skipped, and with wait_for_downstream so did its direct downstream.</summary>
    private static bool PastAllows(VersionTask task, IReadOnlyDictionary<string, TaskInstanceState?>? previous)
    {
        if (previous is null || !previous.TryGetValue(task.TaskId, out var own))
        {
            return true;
        }

        return IsSuccessful(own) && (!task.WaitForDownstream || task.Downstream.All(d => !previous.TryGetValue(d, out var s) || IsSuccessful(s)));

        static bool IsSuccessful(TaskInstanceState? state) => state is TaskInstanceState.Success or TaskInstanceState.Skipped;
    }

    /// <summary>
    /// A run is over when every task instance has finished: failed if a leaf failed, otherwise
    /// success. It is also failed when nothing is running and nothing can ever start (a deadlock,
    /// for example a task whose upstream was removed).
    /// </summary>
    private static DagRunState? Outcome(
        DagVersionModel structure, Dictionary<string, TaskInstanceState?> states, RunDecisions decisions, bool blocked)
    {
        var unfinished = states.Values.Count(s => !s.IsFinished());
        if (unfinished == 0)
        {
            var leafFailed = structure.Tasks
                .Where(t => t.Downstream.Count == 0 && states.ContainsKey(t.TaskId))
                .Any(t => states[t.TaskId] is TaskInstanceState.Failed or TaskInstanceState.UpstreamFailed);
            return leafFailed ? DagRunState.Failed : DagRunState.Success;
        }

        var active = states.Values.Any(s => s is { } state && ActiveStates.Contains(state));
        return active || blocked || decisions.Schedule.Count + decisions.Poke.Count > 0 ? null : DagRunState.Failed;
    }
}
