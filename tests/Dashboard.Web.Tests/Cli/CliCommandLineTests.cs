using Dashboard.Web.Cli;

namespace Dashboard.Web.Tests.Cli;

/// <summary>
/// The command line is read whole before anything touches a database, so these run without one: a
/// wrong command line exits 2 with one error line and the usage, and never reaches the database.
/// </summary>
public sealed class CliCommandLineTests
{
    private const string NoDatabase = "Host=127.0.0.1;Port=1;Database=never_used;Timeout=1";

    [Theory]
    [InlineData(new[] { "backfill", "create" }, "error: --dag-id is required")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--from-date", "2024-01-01" }, "error: --to-date is required")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--from-date", "2024-13-01", "--to-date", "2024-01-02" },
        "error: --from-date must be a date such as 2024-01-31 or 2024-01-31T06:00:00Z, got '2024-13-01'")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--from-date", "2024-01-01", "--to-date", "2024-01-02", "--reprocess-behavior", "all" },
        "error: --reprocess-behavior must be one of none, failed, completed, got 'all'")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--from-date", "2024-01-01", "--to-date", "2024-01-02", "--max-active-runs", "two" },
        "error: --max-active-runs must be a whole number, got 'two'")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--from-date", "2024-01-01", "--to-date", "2024-01-02", "--dag-run-conf", "[1]" },
        "error: --dag-run-conf must be a JSON object such as {\"city\": \"nyc\"}, got '[1]'")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--from-date", "2024-01-01", "--to-date", "2024-01-02", "--dry-run=yes" },
        "error: --dry-run takes no value")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--dag-id", "e" }, "error: --dag-id is given more than once")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "--dry-run" }, "error: --dag-id needs a value (DAG_ID)")]
    [InlineData(new[] { "backfill", "create", "--dag", "d" }, "error: unknown option '--dag' for 'backfill create'")]
    [InlineData(new[] { "backfill", "list", "extra" }, "error: unexpected argument 'extra'")]
    [InlineData(new[] { "backfill", "cancel", "--id", "0" }, "error: --id must be a positive whole number, got '0'")]
    [InlineData(new[] { "backfill", "resume", "--id", "1" }, "error: unknown command 'backfill resume'")]
    [InlineData(new[] { "tasks", "clear", "d", "-t", "(" }, "error: --task-regex must be a regular expression")]
    [InlineData(new[] { "tasks", "clear", "d", "--yes", "--dry-run" }, "error: --yes and --dry-run cannot be given together")]
    [InlineData(new[] { "tasks", "clear", "d", "--dag-id", "e" }, "error: --dag-id is given more than once")]
    [InlineData(new[] { "backfil", "list" }, "error: unknown command 'backfil'")]
    public async Task A_bad_command_line_exits_2_with_one_error_line_and_the_usage(string[] args, string error)
    {
        var outcome = await CliRunner.RunAsync(NoDatabase, args);

        Assert.Equal(ExitCodes.Usage, outcome.ExitCode);
        Assert.Equal("", outcome.Out);
        var lines = outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith(error, lines[0]);
        Assert.Contains(lines.Skip(1), l => l.StartsWith("Usage: Dashboard.Web ", StringComparison.Ordinal) || l.StartsWith("Run 'Dashboard.Web --help'", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", outcome.Error);
    }

    [Fact]
    public async Task A_value_may_be_joined_to_its_option_and_start_with_a_dash_that_way()
    {
        var outcome = await CliRunner.RunAsync(NoDatabase, "tasks", "clear", "--dag-id=d", "--task-regex=-x$", "--dry-run");

        Assert.Equal(ExitCodes.DatabaseUnavailable, outcome.ExitCode); // read whole, then the (absent) database
    }

    [Fact]
    public async Task Help_lists_every_option_of_a_command_on_stdout_and_exits_0()
    {
        var outcome = await CliRunner.RunAsync(NoDatabase, "tasks", "clear", "--help");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.StartsWith("Usage: Dashboard.Web tasks clear [DAG_ID | --dag-id DAG_ID] [options]", outcome.Out);
        foreach (var option in new[]
                 {
                     "--dag-id DAG_ID", "-t, --task-regex REGEX", "-s, --start-date DATE", "-e, --end-date DATE", "-f, --only-failed",
                     "-u, --upstream", "-d, --downstream", "--restart-running", "-y, --yes", "--dry-run", "-h, --help",
                 })
        {
            Assert.Contains($"  {option} ", outcome.Out);
        }

        Assert.Contains("Exit codes: 0 done", outcome.Out);
    }

    [Fact]
    public async Task The_overview_lists_the_commands_and_a_group_alone_lists_its_commands_as_a_usage_error()
    {
        var overview = await CliRunner.RunAsync(null, "--help");
        Assert.Equal(ExitCodes.Success, overview.ExitCode);
        foreach (var command in new[] { "backfill create", "backfill list", "backfill pause", "backfill unpause", "backfill cancel", "tasks clear" })
        {
            Assert.Contains($"  {command} ", overview.Out);
        }

        var group = await CliRunner.RunAsync(null, "backfill");
        Assert.Equal(ExitCodes.Usage, group.ExitCode);
        Assert.StartsWith("Usage: Dashboard.Web backfill create|list|pause|unpause|cancel", group.Error);
    }

    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--urls", "http://127.0.0.1:0" }, false)]
    [InlineData(new[] { "--Dashboard:Title=Night" }, false)]
    [InlineData(new[] { "Dashboard:Title=Night" }, false)]
    [InlineData(new[] { "backfill", "list" }, true)]
    [InlineData(new[] { "tasks", "clear" }, true)]
    [InlineData(new[] { "backfil" }, true)]
    [InlineData(new[] { "--help" }, true)]
    public void Settings_start_the_app_and_any_word_is_a_command(string[] args, bool command)
    {
        Assert.Equal(command, CliApp.Handles(args));
    }
}
