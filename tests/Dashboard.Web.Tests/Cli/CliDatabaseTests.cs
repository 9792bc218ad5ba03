using System.Diagnostics;
using Dashboard.Core.Persistence;
using Dashboard.Core.Persistence.LocalPostgres;
using Dashboard.Testing;
using Dashboard.Web.Cli;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dashboard.Web.Tests.Cli;

/// <summary>Which database a command uses, and what it says when it cannot use it.</summary>
public sealed class CliDatabaseTests
{
    [Fact]
    public async Task An_unreachable_server_exits_3_with_one_line_naming_it_and_no_password()
    {
        var outcome = await CliRunner.RunAsync("Host=127.0.0.1;Port=1;Database=warehouse;Username=etl;Password=hunter2;Timeout=3", "backfill", "list");

        Assert.Equal(ExitCodes.DatabaseUnavailable, outcome.ExitCode);
        var line = Assert.Single(outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Cannot use the PostgreSQL database 127.0.0.1:1/warehouse:", line);
        Assert.DoesNotContain("hunter2", outcome.Out + outcome.Error);
    }

    [Fact]
    public async Task A_database_behind_this_build_is_not_migrated_but_refused_with_exit_3()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(migrated: false);

        var outcome = await CliRunner.RunAsync(connectionString, "backfill", "list");

        Assert.Equal(ExitCodes.DatabaseUnavailable, outcome.ExitCode);
        var pending = await DashboardDatabase.PendingMigrationsAsync(connectionString);
        Assert.Contains($"is {pending.Count} migrations behind this build (the first missing is {pending[0]})", outcome.Error);
        Assert.Contains("Start the app once so it migrates the database", outcome.Error);
        Assert.NotEmpty(await DashboardDatabase.PendingMigrationsAsync(connectionString)); // still as it was
    }

    [Fact]
    public async Task Without_a_connection_string_it_uses_the_server_the_running_app_serves_and_leaves_it_running()
    {
        var dataDirectory = Path.Combine(TestPostgres.ScratchDirectory("attach"), "postgres");
        await using var app = await StartMigratedClusterAsync(dataDirectory); // holds the data directory, as the app does

        var outcome = await RunOnEmbeddedAsync(dataDirectory, "backfill", "list");

        Assert.Equal((ExitCodes.Success, "No backfills."), (outcome.ExitCode, outcome.Out.Trim()));
        Assert.True(File.Exists(Path.Combine(dataDirectory, "postmaster.pid")), "the app's server keeps running");
        await app.EnsureDatabaseAsync("dashboard"); // and still answers
    }

    [Fact]
    public async Task Without_a_running_app_it_starts_the_embedded_server_for_the_command_and_stops_it_after()
    {
        var dataDirectory = Path.Combine(TestPostgres.ScratchDirectory("own"), "postgres");
        await (await StartMigratedClusterAsync(dataDirectory)).DisposeAsync(); // the app ran once, and stopped

        var outcome = await RunOnEmbeddedAsync(dataDirectory, "backfill", "list");

        Assert.Equal((ExitCodes.Success, "No backfills."), (outcome.ExitCode, outcome.Out.Trim()));
        Assert.False(File.Exists(Path.Combine(dataDirectory, "postmaster.pid")), "the command stops the server it started");
    }

    [Fact]
    public async Task Without_any_local_database_yet_it_says_to_start_the_app_first()
    {
        var dataDirectory = Path.Combine(TestPostgres.ScratchDirectory("none"), "postgres");

        var outcome = await RunOnEmbeddedAsync(dataDirectory, "backfill", "list");

        Assert.Equal(ExitCodes.DatabaseUnavailable, outcome.ExitCode);
        Assert.Equal($"There is no local database in {dataDirectory} yet. Start Dashboard once to create it, or set ConnectionStrings:Dashboard.", outcome.Error.Trim());
        Assert.False(File.Exists(Path.Combine(dataDirectory, "PG_VERSION")));
    }

    [Fact]
    public async Task The_built_executable_runs_a_command_instead_of_the_app()
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = TestPostgres.ScratchDirectory("cli-process"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(RepositoryLayout.WebAppOutput, "Dashboard.Web.dll"), "backfill", "list" })
        {
            startInfo.ArgumentList.Add(arg);
        }

        startInfo.ArgumentList.Add($"--ConnectionStrings:Dashboard={await TestPostgres.CreateDatabaseAsync()}");
        using var process = Process.Start(startInfo)!;
        process.StandardInput.Close();
        var (output, error) = (process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal((0, "No backfills.\n", ""), (process.ExitCode, await output, await error));
    }

    private static async Task<LocalPostgresCluster> StartMigratedClusterAsync(string dataDirectory)
    {
        var cluster = await LocalPostgresCluster.StartAsync(new LocalPostgresOptions { DataDirectory = dataDirectory, Durable = false }, NullLogger.Instance);
        await DashboardDatabase.MigrateAsync(cluster.ConnectionStringFor("dashboard"));
        return cluster;
    }

    /// <summary>The settings a person without a connection string has: the default empty one, and a data directory.</summary>
    private static Task<CliOutcome> RunOnEmbeddedAsync(string dataDirectory, params string[] args) =>
        CliRunner.RunAsync(null, [.. args, "--ConnectionStrings:Dashboard=", $"--Database:DataDirectory={dataDirectory}"]);
}
