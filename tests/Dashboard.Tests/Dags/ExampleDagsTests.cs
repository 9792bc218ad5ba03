using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dashboard.Core.Dags;
using Dashboard.Core.Domain;
using Dashboard.Testing;
using Xunit.Abstractions;

namespace Dashboard.Tests.Dags;

/// <summary>
/// The example DAGs in dags/, which a newcomer sees on first start: they all parse, have the shapes
/// they are there to show, and the taxi pipeline's scripts really do their work, idempotently.
/// </summary>
public sealed partial class ExampleDagsTests(ITestOutputHelper output)
{
    private static readonly string DagsFolder = Path.Combine(RepositoryLayout.Root, "dags");

    [Fact]
    public void Every_example_dag_parses_without_errors_and_is_named_after_its_file()
    {
        var files = Directory.GetFiles(DagsFolder, "*.yaml").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);

        var problems = new List<string>();
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var result = DagFileParser.Parse(text);
            var name = Path.GetFileName(file);
            if (!result.Succeeded)
            {
                problems.Add($"{name}:\n  {string.Join("\n  ", result.Errors)}");
                continue;
            }

            if (!text.StartsWith('#'))
            {
                problems.Add($"{name}: should start with a '#' comment saying what it shows");
            }

            if (result.Dag!.DagId != Path.GetFileNameWithoutExtension(file))
            {
                problems.Add($"{name}: dag_id is '{result.Dag.DagId}', not the file's name");
            }

            if (!result.Dag.Tags.Contains("example"))
            {
                problems.Add($"{name}: has no 'example' tag");
            }

            foreach (var script in result.Dag.Tasks.SelectMany(t => ScriptReference().Matches(t.Command ?? "")).Select(m => m.Value).Distinct())
            {
                var path = Path.Combine(DagsFolder, script);
                if (!File.Exists(path))
                {
                    problems.Add($"{name}: runs {script}, which does not exist");
                }
                else if (!OperatingSystem.IsWindows() && !File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute))
                {
                    problems.Add($"{name}: runs {script}, which is not executable");
                }
            }
        }

        Assert.True(problems.Count == 0, "Example DAG files with problems:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Taxi_pipeline_has_exactly_the_seed_settings()
    {
        var dag = ParseExample("taxi_pipeline");

        Assert.Equal(("taxi_pipeline", "@monthly", false, 1), (dag.DagId, dag.Schedule, dag.Catchup, dag.MaxActiveRuns));
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), dag.StartDate);
        Assert.Equal("UTC", dag.Timezone);
        Assert.NotEmpty(dag.Tags);
        Assert.False(string.IsNullOrWhiteSpace(dag.Description));
        Assert.Equal(["ingest_taxi_month", "dbt_run", "dbt_test"], dag.Tasks.OrderBy(t => t.Ordinal).Select(t => t.TaskId));
        Assert.All(dag.Tasks, t => Assert.Equal((TaskKind.Bash, 2), (t.Kind, t.Retries)));
        Assert.Equal(["ingest_taxi_month"], dag.Tasks.Single(t => t.TaskId == "dbt_run").Upstream);
        Assert.Equal(["dbt_run"], dag.Tasks.Single(t => t.TaskId == "dbt_test").Upstream);
        Assert.Empty(dag.Tasks.Single(t => t.TaskId == "ingest_taxi_month").Upstream);
    }

    [Fact]
    public void Warehouse_refresh_is_a_big_grouped_dag_that_fans_out_and_in()
    {
        var dag = ParseExample("warehouse_refresh");

        Assert.InRange(dag.Tasks.Count, 180, 220);
        var groups = dag.Tasks.Select(t => t.GroupId).OfType<string>().Distinct().ToList();
        Assert.Contains("extract.orders", groups);
        Assert.Contains(groups, g => g.Count(c => c == '.') >= 2);
        Assert.True(dag.Tasks.Count(t => t.GroupId is not null) > dag.Tasks.Count * 9 / 10, "most tasks should be in a group");

        var downstreamCount = dag.Tasks.SelectMany(t => t.Upstream).GroupBy(u => u).ToDictionary(g => g.Key, g => g.Count());
        Assert.Contains(dag.Tasks, t => t.Upstream.Count >= 4); // fan-in
        Assert.Contains(downstreamCount.Values, n => n >= 4); // fan-out
        Assert.Single(dag.Tasks, t => t.Upstream.Count == 0);
        Assert.Equal("notify", dag.Tasks.MaxBy(t => t.Ordinal)!.TaskId);
    }

    [Fact]
    public void The_other_examples_show_what_their_comments_say()
    {
        var inventory = ParseExample("inventory_snapshot");
        Assert.True(inventory.Catchup);
        Assert.Equal(3, inventory.MaxActiveRuns);
        Assert.All(inventory.Tasks, t => Assert.True(t.DependsOnPast));

        var report = ParseExample("daily_report");
        Assert.True(report.Catchup);
        var latestOnly = Assert.Single(report.Tasks, t => t.Kind == TaskKind.LatestOnly);
        Assert.Contains(report.Tasks, t => t.Upstream.Contains(latestOnly.TaskId));
        Assert.Contains(report.Tasks, t => t.Kind == TaskKind.Bash && !DependsOn(report, t, latestOnly.TaskId));

        var flaky = ParseExample("flaky_api_sync");
        var fetch = flaky.Tasks.Single(t => t.TaskId == "fetch_orders");
        Assert.Equal((1, TimeSpan.FromSeconds(10)), (fetch.Retries, fetch.RetryDelay));
        Assert.Contains(flaky.Tasks, t => t.Upstream.Contains("fetch_orders"));

        var export = ParseExample("export_table");
        Assert.Null(export.Schedule);
        Assert.Contains(export.Tasks, t => t.Command!.Contains("{{ params.table }}", StringComparison.Ordinal));
        Assert.DoesNotContain(export.Tasks, t => t.Command!.Contains("{{ ds", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_flaky_task_fails_its_first_try_and_succeeds_on_the_retry()
    {
        var dag = ParseExample("flaky_api_sync");
        var dataDir = Directory.CreateTempSubdirectory("dashboard-flaky-");
        try
        {
            var run = new RunContext(dag, new DateOnly(2026, 11, 20), new DateOnly(2026, 11, 21), dataDir.FullName);

            var first = await RunTask(run, "fetch_orders", tryNumber: 1);
            Assert.Equal(1, first.ExitCode);
            Assert.Contains("API returned 503", first.Output, StringComparison.Ordinal);

            Assert.Equal(0, (await RunTask(run, "fetch_orders", tryNumber: 2)).ExitCode);
            var load = await RunTask(run, "load_orders", tryNumber: 1);
            Assert.Equal(0, load.ExitCode);
            Assert.Contains("loaded 25 orders records", load.Output, StringComparison.Ordinal);
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task The_taxi_scripts_load_the_warehouse_and_re_running_a_month_changes_nothing()
    {
        var dag = ParseExample("taxi_pipeline");
        Assert.All(dag.Tasks, t => Assert.Equal("{{ conn.warehouse.password }}", t.Env["PGPASSWORD"]));
        var warehouse = await TestWarehouse.CreateAsync();
        var dataDir = Directory.CreateTempSubdirectory("dashboard-taxi-");
        try
        {
            var january = new RunContext(dag, new DateOnly(2024, 1, 1), new DateOnly(2024, 2, 1), dataDir.FullName);
            var february = new RunContext(dag, new DateOnly(2024, 2, 1), new DateOnly(2024, 3, 1), dataDir.FullName);
            foreach (var run in new[] { january, february })
            {
                foreach (var task in dag.Tasks.OrderBy(t => t.Ordinal))
                {
                    var result = await RunTask(run, task.TaskId, warehouse: warehouse);
                    Assert.True(result.ExitCode == 0, $"{task.TaskId} for {run.Start:yyyy-MM} failed:\n{result.Output}");
                    Assert.DoesNotContain(warehouse.Password, result.Output, StringComparison.Ordinal);
                }
            }

            Assert.Equal([("2024-01", 31 * 200L), ("2024-02", 29 * 200L)], await warehouse.TripsPerMonthAsync());
            var before = await JanuaryFingerprintAsync(warehouse);

            var again = await RunTask(january, "ingest_taxi_month", warehouse: warehouse);
            Assert.Equal(0, again.ExitCode);
            Assert.Contains("ingest: deleted 6200 rows of nyc 2024-01 and loaded 6200 rows into raw_trips", again.Output, StringComparison.Ordinal);
            Assert.Equal(0, (await RunTask(january, "dbt_run", warehouse: warehouse)).ExitCode);

            Assert.Equal(before, await JanuaryFingerprintAsync(warehouse));
            Assert.Equal([("2024-01", 31 * 200L), ("2024-02", 29 * 200L)], await warehouse.TripsPerMonthAsync());
            Assert.Equal(2, await warehouse.ScalarAsync("SELECT count(*) FROM monthly_revenue"));
            Assert.Equal(0, (await RunTask(january, "dbt_test", warehouse: warehouse)).ExitCode);
        }
        finally
        {
            dataDir.Delete(recursive: true);
            warehouse.Release();
        }
    }

    [Fact]
    public async Task The_taxi_test_task_fails_with_a_clear_message_when_an_invariant_is_broken()
    {
        var dag = ParseExample("taxi_pipeline");
        var warehouse = await TestWarehouse.CreateAsync();
        var dataDir = Directory.CreateTempSubdirectory("dashboard-taxi-");
        try
        {
            var march = new RunContext(dag, new DateOnly(2024, 3, 1), new DateOnly(2024, 4, 1), dataDir.FullName);
            var early = await RunTask(march, "dbt_run", warehouse: warehouse);
            Assert.Equal(1, early.ExitCode);
            Assert.Contains("raw_trips holds no trips of nyc for 2024-03; run ingest_taxi_month first", early.Output, StringComparison.Ordinal);

            Assert.Equal(0, (await RunTask(march, "ingest_taxi_month", warehouse: warehouse)).ExitCode);
            Assert.Equal(0, (await RunTask(march, "dbt_run", warehouse: warehouse)).ExitCode);

            // A row loaded twice, with a negative fare, and one of the month's trips without a pickup time.
            await warehouse.ExecuteAsync("""
                INSERT INTO raw_trips SELECT trip_id, city, lpep_pickup_datetime, trip_distance, -fare_amount, tip_amount, payment_type
                FROM raw_trips WHERE trip_id = 'nyc-202403-000001';
                INSERT INTO raw_trips VALUES ('nyc-202403-999999', 'nyc', NULL, 1.5, 9.5, 0, 'cash');
                """);

            var result = await RunTask(march, "dbt_test", warehouse: warehouse);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("FAIL  raw rows = 31 days x 200 trips: expected 6200, found 6201", result.Output, StringComparison.Ordinal);
            Assert.Contains("FAIL  raw rows without a pickup time: expected 0, found 1", result.Output, StringComparison.Ordinal);
            Assert.Contains("FAIL  raw trip ids unique (ids loaded more than once): expected 0, found 1", result.Output, StringComparison.Ordinal);
            Assert.Contains("FAIL  negative fares or tips: expected 0, found 1", result.Output, StringComparison.Ordinal);
            Assert.Contains("PASS  unknown payment types (0)", result.Output, StringComparison.Ordinal);
            Assert.Contains("check(s) failed for 2024-03", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            dataDir.Delete(recursive: true);
            warehouse.Release();
        }
    }

    /// <summary>January's raw rows and model rows, as one hash each: equal when not one value changed.</summary>
    private static async Task<(long, long, long)> JanuaryFingerprintAsync(TestWarehouse warehouse) => (
        await warehouse.ScalarAsync("SELECT ('x' || left(md5(string_agg(t::text, ';' ORDER BY trip_id)), 15))::bit(60)::bigint FROM raw_trips t WHERE lpep_pickup_datetime < '2024-02-01'"),
        await warehouse.ScalarAsync("SELECT ('x' || left(md5(string_agg(d::text, ';' ORDER BY day)), 15))::bit(60)::bigint FROM daily_trips d WHERE day < '2024-02-01'"),
        await warehouse.ScalarAsync("SELECT ('x' || left(md5(string_agg(m::text, ';' ORDER BY month)), 15))::bit(60)::bigint FROM monthly_revenue m WHERE month = '2024-01'"));

    [Fact]
    public async Task Every_command_is_valid_bash_once_templated()
    {
        var dataDir = Directory.CreateTempSubdirectory("dashboard-examples-");
        try
        {
            foreach (var file in Directory.GetFiles(DagsFolder, "*.yaml"))
            {
                var dag = DagFileParser.Parse(File.ReadAllText(file)).Dag!;
                // A run has every param: its default, or the value a trigger had to give it.
                var conf = dag.Params.Specs.Where(p => !p.HasDefault).ToDictionary(p => p.Name, _ => "x");
                var run = dag.Schedule is null
                    ? new RunContext(dag, null, null, dataDir.FullName, conf)
                    : new RunContext(dag, new DateOnly(2026, 11, 20), new DateOnly(2026, 11, 21), dataDir.FullName, conf);
                foreach (var task in dag.Tasks.Where(t => t.Kind == TaskKind.Bash))
                {
                    var result = await RunTask(run, task.TaskId, syntaxOnly: true);
                    Assert.True(result.ExitCode == 0, $"{dag.DagId}.{task.TaskId} is not valid bash:\n{result.Output}");
                }
            }
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Inventory_snapshot_runs_day_after_day_each_building_on_the_one_before()
    {
        var dag = ParseExample("inventory_snapshot");
        var dataDir = Directory.CreateTempSubdirectory("dashboard-inventory-");
        try
        {
            var first = new RunContext(dag, new DateOnly(2026, 11, 17), new DateOnly(2026, 11, 18), dataDir.FullName);
            var second = new RunContext(dag, new DateOnly(2026, 11, 18), new DateOnly(2026, 11, 19), dataDir.FullName);
            var outputs = new List<string>();
            foreach (var run in new[] { first, second })
            {
                foreach (var task in dag.Tasks.OrderBy(t => t.Ordinal))
                {
                    var result = await RunTask(run, task.TaskId);
                    Assert.True(result.ExitCode == 0, $"{task.TaskId} for {run.Start} failed:\n{result.Output}");
                    outputs.Add(result.Output);
                }
            }

            Assert.Contains("starting from the opening stock", outputs[0], StringComparison.Ordinal);
            Assert.Contains("starting from the count of 2026-11-17", outputs[2], StringComparison.Ordinal);
            Assert.Matches(@"WIDGET-S +\d+ on hand +\([+-]\d+\)", outputs[3]);
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Daily_report_and_the_manual_export_run_through()
    {
        var dataDir = Directory.CreateTempSubdirectory("dashboard-examples-");
        try
        {
            var report = ParseExample("daily_report");
            var day = new RunContext(report, new DateOnly(2026, 11, 20), new DateOnly(2026, 11, 21), dataDir.FullName);
            foreach (var task in report.Tasks.Where(t => t.Kind == TaskKind.Bash).OrderBy(t => t.Ordinal))
            {
                var result = await RunTask(day, task.TaskId);
                Assert.True(result.ExitCode == 0, $"daily_report.{task.TaskId} failed:\n{result.Output}");
            }

            Assert.True(File.Exists(Path.Combine(dataDir.FullName, "daily_report", "archive", "report_2026-11-20.txt")));

            // Manual: no logical date, params changed in the trigger's conf.
            var export = ParseExample("export_table");
            var manual = new RunContext(export, null, null, dataDir.FullName, new Dictionary<string, string> { ["table"] = "customers", ["rows"] = "50" });
            foreach (var task in export.Tasks.OrderBy(t => t.Ordinal))
            {
                var result = await RunTask(manual, task.TaskId);
                Assert.True(result.ExitCode == 0, $"export_table.{task.TaskId} failed:\n{result.Output}");
            }

            var csv = Assert.Single(Directory.GetFiles(Path.Combine(dataDir.FullName, "exports"), "customers.csv", SearchOption.AllDirectories));
            Assert.Equal(51, File.ReadAllLines(csv).Length);

            var refused = new RunContext(export, null, null, dataDir.FullName, new Dictionary<string, string> { ["table"] = "$(touch pwned)" });
            var check = await RunTask(refused, "check_params");
            Assert.Equal(1, check.ExitCode);
            Assert.Contains("unknown table", check.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(DagsFolder, "pwned")));
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Report_export_refuses_params_outside_its_schema_and_writes_the_top_rows_of_the_region_up_to_its_day()
    {
        var report = ParseExample("report_export");
        Assert.Equal(["region", "limit", "as_of", "note"], report.Params.Specs.Select(p => p.Name));
        Assert.Equal(
            ["param 'region': must be one of 'emea', 'americas', 'apac', 'global', got 'mars'", "param 'limit': must be at most 10000",
                "param 'as_of': is required and has no default: give it a value"],
            report.Params.Validate(new JsonObject { ["region"] = "mars", ["limit"] = 20_000 }).Select(p => p.ToString()));

        var conf = new Dictionary<string, string> { ["region"] = "apac", ["limit"] = "3", ["as_of"] = "2026-11-30", ["note"] = "for $(touch pwned) 'Q4'" };
        var typed = new JsonObject { ["region"] = "apac", ["limit"] = 3, ["as_of"] = "2026-11-30", ["note"] = conf["note"] };
        Assert.Empty(report.Params.Validate(typed));
        var dataDir = Directory.CreateTempSubdirectory("dashboard-examples-");
        try
        {
            var manual = new RunContext(report, null, null, dataDir.FullName, conf);
            foreach (var task in report.Tasks.OrderBy(t => t.Ordinal))
            {
                var result = await RunTask(manual, task.TaskId);
                Assert.True(result.ExitCode == 0, $"report_export.{task.TaskId} failed:\n{result.Output}");
            }

            var lines = File.ReadAllLines(Assert.Single(Directory.GetFiles(dataDir.FullName, "report_apac_2026-11-30.csv", SearchOption.AllDirectories)));
            Assert.Equal(["# top 3 sales of apac up to 2026-11-30", "# for $(touch pwned) 'Q4'", "order_id,region,as_of,amount"], lines[..3]);
            Assert.Equal(3, lines.Length - 3);
            Assert.All(lines[3..], line => Assert.StartsWith("apac-", line, StringComparison.Ordinal));
            Assert.False(File.Exists(Path.Combine(DagsFolder, "pwned")));
        }
        finally
        {
            dataDir.Delete(recursive: true);
        }
    }

    private static DagDefinition ParseExample(string dagId)
    {
        var result = DagFileParser.Parse(File.ReadAllText(Path.Combine(DagsFolder, dagId + ".yaml")));
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return result.Dag!;
    }

    private static bool DependsOn(DagDefinition dag, TaskDefinition task, string upstreamId) =>
        task.Upstream.Any(u => u == upstreamId || DependsOn(dag, dag.Tasks.Single(t => t.TaskId == u), upstreamId));

    /// <summary>Runs one task's command as the executor does: templated, through bash -c, in dags/, with the run's variables in the environment.</summary>
    /// <param name="warehouse">What the task's env takes from the 'warehouse' connection, for the taxi pipeline.</param>
    private async Task<(int ExitCode, string Output)> RunTask(
        RunContext run, string taskId, int tryNumber = 1, bool syntaxOnly = false, TestWarehouse? warehouse = null)
    {
        var task = run.Dag.Tasks.Single(t => t.TaskId == taskId);
        var variables = run.Variables(taskId, tryNumber);
        var command = Template().Replace(task.Command!, m => variables.TryGetValue(m.Groups[1].Value, out var value)
            ? value
            : throw new InvalidOperationException($"{taskId} uses the unknown template variable '{m.Groups[1].Value}'"));

        var start = new ProcessStartInfo("bash") { WorkingDirectory = DagsFolder, RedirectStandardOutput = true, RedirectStandardError = true };
        if (syntaxOnly)
        {
            start.ArgumentList.Add("-n");
        }

        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("PARAMS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in run.Environment(taskId, tryNumber).Concat(task.Env))
        {
            start.Environment[name] = value;
        }

        foreach (var (name, value) in warehouse?.PsqlEnvironment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = await stdout + await stderr;
        output.WriteLine($"--- {run.Dag.DagId}.{taskId} {run.Start?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "manual"} try {tryNumber}: exit {process.ExitCode} in {clock.ElapsedMilliseconds} ms\n{text}");
        return (process.ExitCode, text);
    }

    /// <summary>
    /// The template variables and environment of a run: a scheduled one with data interval [start, end),
    /// or, with no dates, a manual one, which has no logical date and so no ds, ts or interval.
    /// </summary>
    private sealed record RunContext(
        DagDefinition Dag, DateOnly? Start, DateOnly? End, string DataDir, IReadOnlyDictionary<string, string>? Conf = null)
    {
        private static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00+00:00";

        private string RunId => Start is { } start ? $"scheduled__{Iso(start)}" : "manual__2026-11-21T09:30:00+00:00";

        /// <summary>The conf over the DAG's defaults, as the executor merges them; text as itself, anything else as JSON.</summary>
        private IEnumerable<KeyValuePair<string, string>> Params =>
            Dag.Params.WithDefaults(new JsonObject((Conf ?? new Dictionary<string, string>()).Select(c => KeyValuePair.Create(c.Key, (JsonNode?)c.Value))))
                .Select(p => KeyValuePair.Create(p.Key, p.Value is JsonValue text && text.GetValueKind() == JsonValueKind.String
                    ? text.GetValue<string>()
                    : p.Value?.ToJsonString() ?? ""));

        public Dictionary<string, string> Variables(string taskId, int tryNumber)
        {
            var variables = new Dictionary<string, string>
            {
                ["run_id"] = RunId,
                ["dag.dag_id"] = Dag.DagId,
                ["task.task_id"] = taskId,
                ["try_number"] = tryNumber.ToString(CultureInfo.InvariantCulture),
            };
            if (Start is { } start && End is { } end)
            {
                variables["ds"] = start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                variables["ds_nodash"] = start.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
                variables["ts"] = Iso(start);
                variables["logical_date"] = Iso(start);
                variables["data_interval_start"] = Iso(start);
                variables["data_interval_end"] = Iso(end);
            }

            foreach (var (name, value) in Params)
            {
                variables["params." + name] = value;
            }

            return variables;
        }

        public IEnumerable<KeyValuePair<string, string>> Environment(string taskId, int tryNumber) =>
            Variables(taskId, tryNumber)
                .Select(v => KeyValuePair.Create(
                    v.Key.StartsWith("params.", StringComparison.Ordinal) ? "PARAMS_" + v.Key["params.".Length..].ToUpperInvariant()
                    : v.Key == "dag.dag_id" ? "DAG_ID"
                    : v.Key == "task.task_id" ? "TASK_ID"
                    : v.Key.ToUpperInvariant(),
                    v.Value))
                .Append(KeyValuePair.Create("DASHBOARD_DATA_DIR", DataDir));
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")]
    private static partial Regex Template();

    [GeneratedRegex(@"\bscripts/[A-Za-z0-9_./-]+\.sh\b")]
    private static partial Regex ScriptReference();
}
