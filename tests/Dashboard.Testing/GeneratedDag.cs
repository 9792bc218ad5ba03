using System.Globalization;
using System.Text;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;

namespace Dashboard.Testing;

/// <summary>One task of a generated DAG.</summary>
public sealed record GeneratedTask(string TaskId, string? GroupId, IReadOnlyList<string> Upstream);

/// <summary>
/// A large DAG with the shape real ones have, for the graph's tests and benchmark: stages (task
/// groups) that each fan out from a start task into waves of parallel tasks, with the middle waves in
/// a nested "transform" group, and fan back in to an end task; each stage waits for the end of the
/// one before and, every third stage, of the one before that too. Deterministic: the same on every machine.
/// </summary>
public static class GeneratedDag
{
    public static IReadOnlyList<GeneratedTask> Tasks(int stages, int tasksPerStage, int waveWidth = 6)
    {
        var tasks = new List<GeneratedTask>(stages * tasksPerStage);
        for (var stage = 1; stage <= stages; stage++)
        {
            var group = $"stage_{stage:00}";
            var before = new List<string>();
            if (stage > 1)
            {
                before.Add($"stage_{stage - 1:00}_end");
            }

            if (stage > 2 && stage % 3 == 0)
            {
                before.Add($"stage_{stage - 2:00}_end");
            }

            tasks.Add(new GeneratedTask($"stage_{stage:00}_start", group, before));
            var previousWave = new List<string> { $"stage_{stage:00}_start" };
            var wave = new List<string>();
            var middle = tasksPerStage - 2;
            for (var i = 0; i < middle; i++)
            {
                var id = $"stage_{stage:00}_task_{i:000}";
                var waveNumber = i / waveWidth;
                var waves = (middle + waveWidth - 1) / waveWidth;
                var inner = waveNumber > 0 && waveNumber < waves - 1 ? $"{group}.transform" : group;

                // Each task waits for one task of the wave before and, every fourth one, for a second: fan-out and some fan-in.
                var upstream = new List<string> { previousWave[i % previousWave.Count] };
                if (i % 4 == 3 && previousWave.Count > 1)
                {
                    upstream.Add(previousWave[(i + 1) % previousWave.Count]);
                }

                tasks.Add(new GeneratedTask(id, inner, upstream));
                wave.Add(id);
                if (wave.Count == waveWidth || i == middle - 1)
                {
                    previousWave = wave;
                    wave = [];
                }
            }

            tasks.Add(new GeneratedTask($"stage_{stage:00}_end", group, previousWave));
        }

        return tasks;
    }

    /// <summary>The tasks as a DAG file the real parser reads.</summary>
    public static string Yaml(string dagId, IReadOnlyList<GeneratedTask> tasks)
    {
        var yaml = new StringBuilder($"""
            dag_id: {dagId}
            description: {tasks.Count} generated tasks in groups
            schedule: null
            tasks:

            """);
        foreach (var task in tasks)
        {
            var group = task.GroupId is null ? "" : $", group: {task.GroupId}";
            var upstream = task.Upstream.Count == 0 ? "" : $", upstream: [{string.Join(", ", task.Upstream)}]";
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{id: {task.TaskId}{group}, kind: empty{upstream}}}\n");
        }

        return yaml.ToString();
    }

    /// <summary>The tasks as a version model, without a database.</summary>
    public static DagVersionModel Model(int versionId, IEnumerable<GeneratedTask> tasks, string dagId = "generated") =>
        new(versionId, dagId, 1, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), DagParams.None,
            tasks.Select((t, i) => new VersionTask(t.TaskId, i, TaskKind.Empty, null, 0, TimeSpan.Zero, null, false, false, TriggerRule.AllSuccess,
                t.GroupId, t.Upstream, [], new Dictionary<string, string>())));
}
