using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dashboard.Core.Persistence.LocalPostgres;
using Dashboard.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Dashboard.E2E.Tests;

/// <summary>The app as a person runs it: its own process, the embedded database, restarts and crashes.</summary>
public sealed partial class AppProcessTests
{
    [Fact]
    public async Task The_embedded_database_is_created_on_first_start_and_its_data_survives_a_restart()
    {
        var home = TestPostgres.ScratchDirectory("home");

        await using (var first = AppProcess.Start(home))
        {
            var address = await first.WaitUntilListeningAsync();
            await AssertHealthyAsync(address);
            Assert.Contains("Creating a local PostgreSQL cluster", first.Output);
            // The one-time password is on its own console line, once, and in no log line.
            var password = Assert.Single(FirstRunPasswordLine().Matches(first.Output)).Groups["password"].Value;
            Assert.Single(Regex.Matches(first.Output + first.ErrorOutput, password));
            Assert.Contains("Created the first user admin (Admin); its one-time password was written to the console", first.Output);
            await InsertAuditEntryAsync(home, "kept_across_restarts");

            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync());
        }

        Assert.True(File.Exists(Path.Combine(home, ".data", "postgres", "PG_VERSION")), "the default data directory is .data/postgres");
        Assert.False(File.Exists(Path.Combine(home, ".data", "postgres", "postmaster.pid")), "a clean stop stops the server");

        await using var second = AppProcess.Start(home);
        var again = await second.WaitUntilListeningAsync();
        Assert.DoesNotContain("Creating a local PostgreSQL cluster", second.Output);
        Assert.Empty(FirstRunPasswordLine().Matches(second.Output));
        await AssertHealthyAsync(again);
        Assert.Equal(1L, await CountAuditEntriesAsync(home, "kept_across_restarts"));
    }

    [Fact]
    public async Task An_app_killed_with_sigkill_starts_again()
    {
        var home = TestPostgres.ScratchDirectory("killed");
        await using (var doomed = AppProcess.Start(home))
        {
            await doomed.WaitUntilListeningAsync();
            doomed.Kill();
            await doomed.WaitForExitAsync();
        }

        // Its server outlived it and still holds postmaster.pid.
        Assert.True(File.Exists(Path.Combine(home, ".data", "postgres", "postmaster.pid")));

        await using var restarted = AppProcess.Start(home);
        await AssertHealthyAsync(await restarted.WaitUntilListeningAsync());
        Assert.Contains("left running", restarted.Output);
    }

    [Fact]
    public async Task A_second_instance_on_the_same_data_directory_is_refused_and_the_first_keeps_working()
    {
        var home = TestPostgres.ScratchDirectory("twice");
        await using var first = AppProcess.Start(home);
        var address = await first.WaitUntilListeningAsync();

        await using var second = AppProcess.Start(home);
        Assert.Equal(1, await second.WaitForExitAsync());

        Assert.Matches(@"^Dashboard cannot start: The data directory \S+ is in use by another Dashboard instance", second.ErrorOutput);
        await AssertHealthyAsync(address);
    }

    [Fact]
    public async Task An_unreachable_external_database_stops_start_up_with_one_clear_line()
    {
        var home = TestPostgres.ScratchDirectory("external");
        await using var app = AppProcess.Start(home, new Dictionary<string, string>
        {
            ["ConnectionStrings__Dashboard"] = "Host=127.0.0.1;Port=1;Database=warehouse;Username=etl;Password=hunter2;Timeout=3",
        });

        Assert.Equal(1, await app.WaitForExitAsync());

        var line = Assert.Single(app.ErrorOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Dashboard cannot start: Cannot use the PostgreSQL database 127.0.0.1:1/warehouse:", line);
        Assert.DoesNotContain("hunter2", app.Output + app.ErrorOutput);
        Assert.False(Directory.Exists(Path.Combine(home, ".data")), "with a connection string set, nothing local is managed");
    }

    [Fact]
    public async Task A_setting_changed_in_the_apps_appsettings_json_takes_effect()
    {
        // The root appsettings.json is what the build copies next to the app (RootFilesTests);
        // here a copy of the built app gets an edited file, and the running app shows the change.
        var appDirectory = TestPostgres.ScratchDirectory("app-copy");
        CopyDirectory(RepositoryLayout.WebAppOutput, appDirectory);
        var settingsPath = Path.Combine(appDirectory, "appsettings.json");
        var settings = JsonNode.Parse(await File.ReadAllTextAsync(settingsPath))!;
        settings["Dashboard"]!["Title"] = "Night Shift Console";
        await File.WriteAllTextAsync(settingsPath, settings.ToJsonString());

        await using var app = AppProcess.Start(appDirectory, new Dictionary<string, string>
        {
            ["ConnectionStrings__Dashboard"] = await TestPostgres.CreateDatabaseAsync(),
        }, appDirectory);
        using var client = new HttpClient { BaseAddress = await app.WaitUntilListeningAsync() };

        // Signed out, the first page anyone sees is the sign-in page.
        var page = await client.GetStringAsync("/");

        Assert.Contains("<title>Sign in · Night Shift Console</title>", page);
    }

    private static async Task AssertHealthyAsync(Uri address)
    {
        using var client = new HttpClient { BaseAddress = address };
        using var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A row nothing in the app rewrites (the DAG-file processor owns the dag table), written behind the app's back.</summary>
    private static async Task InsertAuditEntryAsync(string home, string actor)
    {
        await using var connection = await ConnectAsync(home);
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO audit_log (occurred_at, actor, action, run_ids, task_ids, details, affected_count)
            VALUES (now(), @actor, 'test.marker', '{}', '{}', '{}', 0)
            """, connection);
        insert.Parameters.AddWithValue("actor", actor);
        await insert.ExecuteNonQueryAsync();
    }

    private static async Task<long> CountAuditEntriesAsync(string home, string actor)
    {
        await using var connection = await ConnectAsync(home);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM audit_log WHERE actor = @actor", connection);
        count.Parameters.AddWithValue("actor", actor);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>The embedded server of the app running in <paramref name="home"/>, as the command line finds it.</summary>
    private static async Task<NpgsqlConnection> ConnectAsync(string home)
    {
        await using var lease = await LocalPostgresCluster.AttachOrStartAsync(
            new LocalPostgresOptions { DataDirectory = Path.Combine(home, ".data", "postgres") }, NullLogger.Instance, TimeSpan.FromSeconds(30));
        Assert.False(lease.StartedHere, "the app serves the data directory");
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(lease.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [GeneratedRegex(@"^Dashboard first run: sign in as ""admin"" with the one-time password (?<password>[A-Za-z0-9]{20}) ", RegexOptions.Multiline)]
    private static partial Regex FirstRunPasswordLine();
}
