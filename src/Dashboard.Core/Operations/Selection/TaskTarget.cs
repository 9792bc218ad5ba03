using Dashboard.Core.Domain;

namespace Dashboard.Core.Operations.Selection;

public enum TargetKind
{
    Task,
    Group,
    Run,
}

/// <summary>What a person picked on the grid: one task's cell, one group's cell, or a whole run.</summary>
public sealed record TaskTarget(string RunId, string? Id, TargetKind Kind)
{
    public static TaskTarget Task(string runId, string taskId) => new(runId, taskId, TargetKind.Task);

    public static TaskTarget Group(string runId, string groupId) => new(runId, groupId, TargetKind.Group);

    public static TaskTarget WholeRun(string runId) => new(runId, null, TargetKind.Run);
}

/// <summary>
/// How far a selection reaches from its targets: to the tasks upstream and downstream of them
/// (transitively), and to the same tasks in runs with an earlier or later logical date.
/// </summary>
public sealed record Relatives(bool Upstream = false, bool Downstream = false, bool Past = false, bool Future = false)
{
    public static readonly Relatives None = new();
}

/// <summary>One task instance an action covers, as it was when selected.</summary>
public sealed record AffectedTaskInstance(
    long Id,
    long DagRunId,
    string RunId,
    string TaskId,
    TaskInstanceState? State,
    int TryNumber,
    DagRunState RunState,
    DateTimeOffset? LogicalDate,
    DateTimeOffset RunAfter,
    int? RunVersionId)
{
    /// <summary>What must still hold for an action confirmed on this preview to apply: same instance, state and try.</summary>
    public (long Id, TaskInstanceState? State, int TryNumber) Expected => (Id, State, TryNumber);
}
