using System.CommandLine;
using System.Text.RegularExpressions;
using Dashboard.Web.Cli;

namespace Dashboard.Web.Tests.Cli;

/// <summary>
/// The command line is read whole before anything touches a database, so these run without one: a
/// wrong command line exits 2 with its errors and where to read the usage, and never reaches the database.
/// </summary>
public sealed class CliCommandLineTests
{
    private const string NoDatabase = "Host=127.0.0.1;Port=1;Database=never_used;Timeout=1";

    [Theory]
    [InlineData(new[] { "backfill", "create" }, "error: Option '--dag-id' is required.")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--from-date", "2024-01-01" }, "error: Option '--to-date' is required.")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--from-date", "2024-13-01", "--to-date", "2024-01-02" },
        "error: --from-date must be a date such as 2024-01-31 or 2024-01-31T06:00:00Z, got '2024-13-01'")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--from-date", "2024-01-01", "--to-date", "2024-01-02", "--reprocess-behavior", "all" },
        "error: --reprocess-behavior must be one of none, failed, completed, got 'all'")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--from-date", "2024-01-01", "--to-date", "2024-01-02", "--max-active-runs", "two" },
        "error: --max-active-runs must be a whole number, got 'two'")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--from-date", "2024-01-01", "--to-date", "2024-01-02", "--dag-run-conf", "[1]" },
        "error: --dag-run-conf must be a JSON object such as {\"city\": \"nyc\"}, got '[1]'")]
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--from-date", "2024-01-01", "--to-date", "2024-01-02", "--dry-run=yes" },
        "error: Unrecognized command or argument 'yes'.")] // a flag takes no value but true or false
    [InlineData(new[] { "backfill", "create", "--dag-id", "d", "--dag-id", "e" }, "error: Option '--dag-id' expects a single argument but 2 were provided.")]
    [InlineData(new[] { "backfill", "create", "--from-date", "2024-01-01", "--to-date", "2024-01-02", "--dag-id" },
        "error: Required argument missing for option: '--dag-id'.")]
    [InlineData(new[] { "backfill", "create", "--dag", "d" }, "error: Unrecognized command or argument '--dag'.")]
    [InlineData(new[] { "backfill", "list", "extra" }, "error: Unrecognized command or argument 'extra'.")]
    [InlineData(new[] { "backfill", "cancel", "--id", "0" }, "error: --id must be a positive whole number, got '0'")]
    [InlineData(new[] { "backfill", "resume", "--id", "1" }, "error: Unrecognized command or argument 'resume'.")]
    [InlineData(new[] { "tasks", "clear", "d", "-t", "(" }, "error: --task-regex must be a regular expression")]
    [InlineData(new[] { "tasks", "clear", "d", "-s", "2024-02-30" }, "error: --start-date must be a date such as 2024-01-31")]
    [InlineData(new[] { "tasks", "clear", "d", "--yes", "--dry-run" }, "error: --yes and --dry-run cannot be given together")]
    [InlineData(new[] { "tasks", "clear", "d", "--dag-id", "e" }, "error: --dag-id is given more than once")]
    [InlineData(new[] { "tasks", "clear", "--only-failed" }, "error: the DAG is missing: give its id as the first argument or as --dag-id")]
    [InlineData(new[] { "tasks", "clear", "-R", "etl_(", "--dry-run" }, "error: with --dag-regex the DAG id must be a regular expression")]
    [InlineData(new[] { "tasks", "clear", "--dag-regex", "--dag-id", "[z-a]" }, "error: with --dag-regex the DAG id must be a regular expression")]
    [InlineData(new[] { "backfil", "list" }, "error: Unrecognized command or argument 'backfil'.")]
    [InlineData(new[] { "@no-such-response-file" }, "error: Response file not found 'no-such-response-file'.")]
    public async Task A_bad_command_line_exits_2_with_its_errors_and_where_to_read_the_usage(string[] args, string error)
    {
        var outcome = await CliRunner.RunAsync(NoDatabase, args);

        Assert.Equal(ExitCodes.Usage, outcome.ExitCode);
        Assert.Equal("", outcome.Out);
        var lines = outcome.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith(error, lines[0]);
        Assert.All(lines[..^1], l => Assert.StartsWith("error: ", l));
        Assert.Matches($@"^Run '{Regex.Escape(RootCommand.ExecutableName)}( [a-z]+)* --help' for its (options|commands)\.$", lines[^1]);
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
        Assert.Equal("", outcome.Error);
        Assert.Contains($"{RootCommand.ExecutableName} tasks clear [<DAG_ID>] [options]", outcome.OutLines); // the usage
        foreach (var option in new[]
                 {
                     "--dag-id <DAG_ID>", "-R, --dag-regex", "-t, --task-regex <REGEX>", "-s, --start-date <DATE>", "-e, --end-date <DATE>",
                     "-f, --only-failed", "-u, --upstream", "-d, --downstream", "--restart-running", "--keep-version", "-y, --yes", "--dry-run",
                     "-?, -h, --help",
                 })
        {
            Assert.Contains($"  {option} ", outcome.Out);
        }

        Assert.Contains("Exit codes: 0 done", outcome.Out);
        Assert.Contains("ConnectionStrings:Dashboard", outcome.Out);
    }

    [Fact]
    public async Task Help_marks_the_required_options_and_names_the_values_an_option_takes()
    {
        var outcome = await CliRunner.RunAsync(NoDatabase, "backfill", "create", "-h");

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        foreach (var option in new[]
                 {
                     "--dag-id <DAG_ID> (REQUIRED)", "--from-date <DATE> (REQUIRED)", "--to-date <DATE> (REQUIRED)",
                     "--reprocess-behavior <completed|failed|none>", "--max-active-runs <N>", "--dag-run-conf <JSON>", "--dry-run",
                 })
        {
            Assert.Contains($"  {option} ", outcome.Out);
        }

        Assert.Contains("[default: 1]", outcome.Out);
        Assert.Contains("Every data interval of the DAG that has ended", outcome.Out);
    }

    [Fact]
    public async Task Help_wins_over_the_rest_of_a_wrong_command_line()
    {
        var outcome = await CliRunner.RunAsync(NoDatabase, "backfill", "create", "--dag", "d", "--from-date", "never", "--help");

        Assert.Equal((ExitCodes.Success, ""), (outcome.ExitCode, outcome.Error));
        Assert.Contains("  --from-date <DATE> (REQUIRED) ", outcome.Out);
    }

    [Fact]
    public async Task The_overview_lists_the_groups_each_group_its_commands_and_a_group_alone_is_a_usage_error()
    {
        var overview = await CliRunner.RunAsync(null, "--help");
        Assert.Equal(ExitCodes.Success, overview.ExitCode);
        Assert.Contains("With no command, Dashboard runs the app", overview.Out);
        Assert.Contains("  backfill ", overview.Out);
        Assert.Contains("  tasks ", overview.Out);
        Assert.Contains("Exit codes: 0 done", overview.Out);

        var tasks = await CliRunner.RunAsync(null, "tasks", "--help");
        Assert.Equal(ExitCodes.Success, tasks.ExitCode);
        Assert.Contains("  clear ", tasks.Out);

        var group = await CliRunner.RunAsync(null, "backfill");
        Assert.Equal((ExitCodes.Usage, ""), (group.ExitCode, group.Out));
        Assert.Contains($"{RootCommand.ExecutableName} backfill [command] [options]", group.Error.Split('\n').Select(l => l.Trim()));
        foreach (var command in new[] { "create", "list", "pause", "unpause", "cancel" })
        {
            Assert.Contains($"  {command} ", group.Error);
        }
    }

    [Fact]
    public async Task A_response_file_holds_a_command_and_its_options_and_is_read_whole_before_the_database()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(file, ["# clears nothing: a dry run", "tasks clear daily", "--task-regex ^load$ --dry-run"]);
            var read = await CliRunner.RunAsync(NoDatabase, $"@{file}");
            Assert.Equal(ExitCodes.DatabaseUnavailable, read.ExitCode);

            await File.WriteAllLinesAsync(file, ["tasks clear daily", "--task-regex ^load$ --dry-run --yes"]);
            var wrong = await CliRunner.RunAsync(NoDatabase, $"@{file}");
            Assert.Equal((ExitCodes.Usage, "error: --yes and --dry-run cannot be given together"), (wrong.ExitCode, wrong.Error.Split('\n')[0]));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("backfill create --r", new[] { "--reprocess-behavior", "--run-backwards" })]
    [InlineData("backfill create --reprocess-behavior ", new[] { "completed", "failed", "none" })]
    [InlineData("tasks c", new[] { "clear" })]
    public async Task The_suggest_directive_lists_the_completions_for_the_shell(string commandLine, string[] completions)
    {
        var outcome = await CliRunner.RunAsync(null, $"[suggest:{commandLine.Length}]", commandLine);

        Assert.Equal((ExitCodes.Success, ""), (outcome.ExitCode, outcome.Error));
        Assert.Equal(completions, outcome.OutLines);
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
    [InlineData(new[] { "-?" }, true)]
    [InlineData(new[] { "--version" }, true)]
    [InlineData(new[] { "[suggest:3]", "bac" }, true)]
    [InlineData(new[] { "@clear.rsp" }, true)]
    public void Settings_start_the_app_and_any_word_is_a_command(string[] args, bool command)
    {
        Assert.Equal(command, CliApp.Handles(args));
    }
}
