using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using YamlDotNet.RepresentationModel;

namespace Dashboard.Core.Dags;

/// <summary>The DAG's <c>deadline</c>: <c>{reference: logical_date, interval: 2h}</c>.</summary>
public static partial class DagFileParser
{
    private static readonly string[] DeadlineKeys = ["reference", "interval"];


    /// <returns>The deadline, or null when the file has none or it is wrong (each problem recorded with its line).</returns>
    private static DagDeadline? ReadDeadline(YamlMappingNode root, YamlFields fields)
    {
        if (fields.Mapping(root, "deadline", "the DAG") is not { } map)
        {
            return null;
        }

        var before = fields.ErrorCount;
        fields.RejectUnknownKeys(map, DeadlineKeys, "deadline");
        var referenceName = fields.String(map, "reference", "deadline", required: true);
        DeadlineReference? reference = null;
        if (referenceName is not null)
        {
            if (SnakeCase.TryParseSnakeCase<DeadlineReference>(referenceName, out var known))
            {
                reference = known;
            }
            else
            {
                fields.Error(YamlFields.Find(map, "reference")!,
                    $"'{Shortened(referenceName)}' is no deadline reference; expected one of: {string.Join(", ", SnakeCase.NamesOf<DeadlineReference>())}");
            }
        }

        var intervalNode = YamlFields.Find(map, "interval");
        if (intervalNode is null || YamlFields.IsNull(intervalNode))
        {
            fields.Error(intervalNode ?? map, "deadline needs 'interval'");
        }

        var interval = fields.Duration(map, "interval", "deadline");
        if (interval is { } span && (span <= TimeSpan.Zero || span > DagDeadline.MaxInterval))
        {
            fields.Error(intervalNode!,
                $"'interval' in deadline must be more than 0 and at most {DagDeadline.MaxInterval.TotalDays:0} days, got {span}");
        }

        return fields.ErrorCount == before && reference is { } r && interval is { } i ? new DagDeadline(r, i) : null;
    }
}
