using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Tests.Dags;

/// <summary>The DAG folder against the database: import errors, last good versions, deactivation and structure changes.</summary>
public sealed class DagFileProcessorTests
{
    private const string Good = """
        dag_id: good
        schedule: null
        tasks:
          - id: a
            command: exit 0
        """;

    // Every case follows a two-line header (dag_id, start_date); lines are those of the whole file.
    [Theory]
    [InlineData("tasks:\n  - id: a\n    command: x\n    upstream: [ghost]\n", 6, "task 'a' has unknown upstream task 'ghost'")]
    [InlineData("tasks:\n  - id: a\n    command: x\n    upstream: [b]\n  - id: b\n    command: x\n    upstream: [a]\n", 7, "the tasks form a cycle: b -> a -> b")]
    [InlineData("tasks:\n  - id: a\n    command: x\n  - id: a\n    command: y\n", 6, "duplicate task id 'a' (first defined on line 4)")]
    [InlineData("schedule: '61 * * * *'\ntasks:\n  - id: a\n    command: x\n", 3, "'61 * * * *' is not a valid cron expression")]
    [InlineData("end_date: 2023-01-01\ntasks:\n  - id: a\n    command: x\n", 3, "end_date 2023-01-01 is before start_date 2024-01-01")]
    [InlineData("owner: me\ntasks:\n  - id: a\n    command: x\n", 3, "unknown key 'owner' in the DAG")]
    [InlineData("max_active_runs: many\ntasks:\n  - id: a\n    command: x\n", 3, "'max_active_runs' in the DAG must be a whole number, got 'many'")]
    public async Task A_bad_file_records_an_import_error_with_its_line_while_a_good_file_beside_it_loads(string body, int line, string message)
    {
        await using var engine = await EngineHarness.CreateAsync();
        engine.WriteDagFile("broken.yaml", "dag_id: broken\nstart_date: 2024-01-01\n" + body);
        engine.WriteDagFile("good.yaml", Good);

        var result = await engine.ProcessDagFilesAsync();

        Assert.Equal(["good"], result.Loaded);
        await using var db = engine.CreateContext();
        var errors = await db.ImportErrors.ToListAsync();
        Assert.Contains(errors, e => e.FileLocation == "broken.yaml" && e.Line == line && e.Message.Contains(message, StringComparison.Ordinal));
        Assert.All(errors, e => Assert.Equal("broken.yaml", e.FileLocation));
        Assert.False(await db.Dags.AnyAsync(d => d.DagId == "broken"));
        var good = await db.Dags.SingleAsync(d => d.DagId == "good");
        Assert.True(good.IsActive);
        Assert.NotNull(good.CurrentVersionId);
    }

    [Fact]
    public async Task An_invalid_edit_keeps_the_last_good_version_until_it_is_fixed()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Good);
        var goodVersion = await CurrentVersionAsync(engine, "good");

        engine.WriteDagFile("good.yaml", Good + "\n  - id: b\n    upstream: [a]\n    command: exit 0\n    retries: lots\n");
        await engine.ProcessDagFilesAsync();

        await using (var db = engine.CreateContext())
        {
            var dag = await db.Dags.SingleAsync(d => d.DagId == "good");
            Assert.Equal((goodVersion, true), (dag.CurrentVersionId, dag.IsActive));
            var error = Assert.Single(await db.ImportErrors.ToListAsync());
            Assert.Equal(("good.yaml", 9), (error.FileLocation, error.Line));
            Assert.Contains("'retries' in task 'b' must be a whole number, got 'lots'", error.Message, StringComparison.Ordinal);
        }

        engine.WriteDagFile("good.yaml", Good + "\n  - id: b\n    upstream: [a]\n    command: exit 0\n    retries: 2\n");
        await engine.ProcessDagFilesAsync();

        await using (var db = engine.CreateContext())
        {
            Assert.Empty(await db.ImportErrors.ToListAsync());
            Assert.NotEqual(goodVersion, (await db.Dags.SingleAsync(d => d.DagId == "good")).CurrentVersionId);
        }
    }

    [Fact]
    public async Task Removing_a_file_deactivates_its_dag_and_keeps_its_runs()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Good);
        var runId = await engine.TriggerAsync("good");

        engine.DeleteDagFile("good.yaml");
        var result = await engine.ProcessDagFilesAsync();

        Assert.Equal(["good"], result.Deactivated);
        await using var db = engine.CreateContext();
        Assert.False((await db.Dags.SingleAsync(d => d.DagId == "good")).IsActive);
        Assert.Equal([runId], await db.DagRuns.Where(r => r.DagId == "good").Select(r => r.RunId).ToListAsync());
        Assert.Single(await db.TaskInstances.Where(t => t.DagId == "good").ToListAsync());
    }

    [Fact]
    public async Task A_changed_file_makes_a_new_version_with_its_text_and_unfinished_runs_follow_it()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Good + "\n  - id: b\n    upstream: [a]\n    command: exit 0\n");
        var firstVersion = await CurrentVersionAsync(engine, "good");
        var finished = await engine.TriggerAsync("good");
        await engine.RunUntilRunsFinishedAsync("good");
        var unfinished = await engine.TriggerAsync("good"); // queued, its tasks without a state

        var changed = Good + "\n  - id: c\n    upstream: [a]\n    command: exit 0\n";
        engine.WriteDagFile("good.yaml", changed);
        var result = await engine.ProcessDagFilesAsync();

        Assert.Equal(["good"], result.Changed);
        var secondVersion = await CurrentVersionAsync(engine, "good");
        Assert.NotEqual(firstVersion, secondVersion);
        var runs = (await engine.RunsAsync("good")).ToDictionary(r => r.RunId);
        Assert.Equal((firstVersion, secondVersion), (runs[finished].DagVersionId, runs[unfinished].DagVersionId));
        await using (var db = engine.CreateContext())
        {
            var version = await db.DagVersions.SingleAsync(v => v.Id == secondVersion);
            Assert.Equal((changed, "good.yaml", 2), (version.Source, version.FileLocation, version.VersionNumber));
        }

        // The finished run keeps what it ran; the unfinished one loses b and gains c, as a re-run would.
        var states = (await engine.StatesAsync("good")).ToDictionary(r => r.RunId);
        Assert.Equal((TaskInstanceState.Success, TaskInstanceState.Success), (states[finished]["a"]!.Value, states[finished]["b"]!.Value));
        Assert.False(states[finished].Tasks.ContainsKey("c"));
        Assert.Null(states[unfinished]["a"]);
        Assert.Equal(TaskInstanceState.Removed, states[unfinished]["b"]);
        Assert.Null(states[unfinished]["c"]);

        // A new run gets the new structure.
        var next = await engine.TriggerAsync("good");
        Assert.Equal(["a", "c"], (await engine.StatesAsync("good")).Single(r => r.RunId == next).Tasks.Keys.Order());
    }

    [Fact]
    public async Task A_pass_over_unchanged_example_dags_changes_nothing()
    {
        // Every change of a DAG row wakes every page that shows the DAG: a pass that rewrites
        // rows whose file did not change (as jsonb's re-spacing of params once did) reloads them all.
        await using var engine = await EngineHarness.CreateAsync();
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "dags"), "*.yaml"))
        {
            engine.WriteDagFile(Path.GetFileName(file), await File.ReadAllTextAsync(file));
        }

        var first = await engine.ProcessDagFilesAsync();
        var second = await engine.ProcessDagFilesAsync();

        Assert.Equal(first.Loaded.Order(), first.Changed.Order());
        Assert.Contains("report_export", first.Loaded);
        Assert.Empty(second.Changed);
    }

    [Fact]
    public async Task A_file_that_changes_only_in_comments_and_layout_makes_no_new_version()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Good);
        var first = await CurrentVersionAsync(engine, "good");

        engine.WriteDagFile("good.yaml", "# the same DAG, reformatted\n" + Good.Replace(": ", ":   ", StringComparison.Ordinal));
        var result = await engine.ProcessDagFilesAsync();

        Assert.Empty(result.Changed);
        Assert.Equal(first, await CurrentVersionAsync(engine, "good"));
    }

    [Fact]
    public async Task Access_control_is_put_on_the_dag_by_every_parse_and_only_a_change_to_it_makes_a_version()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.AddDagAsync(Good);
        var plain = await CurrentVersionAsync(engine, "good");

        engine.WriteDagFile("good.yaml", "access_control: {can_edit: [op, alice]}\n" + Good);
        Assert.Equal(["good"], (await engine.ProcessDagFilesAsync()).Changed);
        Assert.Empty((await engine.ProcessDagFilesAsync()).Changed); // the same list read again changes nothing
        var restricted = await CurrentVersionAsync(engine, "good");
        Assert.NotEqual(plain, restricted);
        Assert.Equal(["Op", "alice"], await EditAccessAsync());

        engine.WriteDagFile("good.yaml", Good);
        Assert.Equal(["good"], (await engine.ProcessDagFilesAsync()).Changed);
        Assert.Null(await EditAccessAsync());

        async Task<List<string>?> EditAccessAsync()
        {
            await using var db = engine.CreateContext();
            return (await db.Dags.SingleAsync(d => d.DagId == "good")).EditAccess;
        }
    }

    [Fact]
    public async Task A_run_whose_middle_task_was_removed_runs_the_rest_as_if_the_edge_were_gone()
    {
        await using var engine = await EngineHarness.CreateAsync();
        const string chain = Good + "\n  - id: b\n    upstream: [a]\n    command: exit 0\n  - id: c\n    upstream: [b]\n    command: exit 0\n";
        await engine.AddDagAsync(chain);
        var run = await engine.TriggerAsync("good");

        engine.WriteDagFile("good.yaml", Good + "\n  - id: c\n    upstream: [a]\n    command: exit 0\n");
        await engine.ProcessDagFilesAsync();
        await engine.RunUntilRunsFinishedAsync("good");

        var states = (await engine.StatesAsync("good")).Single(r => r.RunId == run);
        Assert.Equal(
            (TaskInstanceState.Success, TaskInstanceState.Removed, TaskInstanceState.Success),
            (states["a"]!.Value, states["b"]!.Value, states["c"]!.Value));
        Assert.Equal(DagRunState.Success, (await engine.RunsAsync("good")).Single(r => r.RunId == run).State);
    }

    [Fact]
    public async Task A_dag_id_already_defined_by_another_file_is_an_import_error_for_the_later_file()
    {
        await using var engine = await EngineHarness.CreateAsync();
        engine.WriteDagFile("a_first.yaml", Good);
        engine.WriteDagFile("b_copy.yaml", Good.Replace("exit 0", "exit 1", StringComparison.Ordinal));

        await engine.ProcessDagFilesAsync();

        await using var db = engine.CreateContext();
        var error = Assert.Single(await db.ImportErrors.ToListAsync());
        Assert.Equal(("b_copy.yaml", 1), (error.FileLocation, error.Line));
        Assert.Equal("dag_id 'good' is already defined in a_first.yaml; this file is ignored", error.Message);
        Assert.Equal("a_first.yaml", (await db.Dags.SingleAsync(d => d.DagId == "good")).FileLocation);
        var commands = await db.QueryAsync(
            "SELECT t.command FROM dag_task t JOIN dag d ON d.current_version_id = t.dag_version_id WHERE d.dag_id = 'good'",
            r => r.GetString(0), CancellationToken.None);
        Assert.Equal(["exit 0"], commands);
    }

    private static async Task<int?> CurrentVersionAsync(EngineHarness engine, string dagId)
    {
        await using var db = engine.CreateContext();
        return await db.Dags.Where(d => d.DagId == dagId).Select(d => d.CurrentVersionId).SingleAsync();
    }
}
