using System.Text.Json;

namespace Dashboard.Core.Dags;

/// <summary>
/// What an external_task or a trigger_dag task says about the other DAG. States are kept as their
/// stored (snake_case) names, so the scheduler compares them with the database's as they are.
/// </summary>
/// <param name="DagId">The DAG waited on (external_task) or triggered (trigger_dag).</param>
/// <param name="TaskId">The task waited on; null waits on the whole run. Never set for trigger_dag.</param>
/// <param name="ExecutionDelta">external_task: the run looked for is at this run's logical date minus this.</param>
/// <param name="Timeout">external_task: how long after its first check the sensor gives up; null for trigger_dag, which waits as long as the run takes.</param>
/// <param name="Conf">trigger_dag: the created run's conf as a JSON object; its string values are templates.</param>
/// <param name="SameLogicalDate">trigger_dag: the created run takes this run's logical date; otherwise it has none.</param>
public sealed record CrossDagSettings(
    string DagId,
    string? TaskId,
    TimeSpan ExecutionDelta,
    IReadOnlyList<string> AllowedStates,
    IReadOnlyList<string> FailedStates,
    IReadOnlyList<string> SkippedStates,
    TimeSpan PokeInterval,
    TimeSpan? Timeout,
    bool SoftFail,
    string Conf,
    bool SameLogicalDate,
    bool WaitForCompletion,
    bool ResetDagRun)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static CrossDagSettings? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<CrossDagSettings>(json, Json);
}
