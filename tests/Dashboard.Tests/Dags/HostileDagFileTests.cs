using System.Diagnostics;
using System.Text;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Core.Queries;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Dags;

/// <summary>
/// Files that must not take the product down: each gets an import error with its reason, while a good
/// file beside it, changed in the same pass, still loads its new version.
/// </summary>
public sealed class HostileDagFileTests
{
    private const string Hostile = "hostile.yaml";

    [Fact]
    public async Task A_nul_escape_in_a_string_is_an_import_error_at_its_line()
    {
        await using var engine = await AssertIsolatedAsync(
            engine => engine.WriteDagFile(Hostile, "dag_id: hostile\ndescription: \"before\\0after\"\nschedule: null\ntasks:\n  - {id: a, command: exit 0}\n"),
            2, "a value holds a NUL character (\\0), which cannot be stored; remove it");
    }

    [Fact]
    public async Task A_raw_nul_byte_is_an_import_error_at_its_line()
    {
        await using var engine = await AssertIsolatedAsync(
            engine => WriteBytes(engine, Hostile, "dag_id: hostile\nschedule: null\ndescription: a\0b\ntasks:\n  - {id: a, command: exit 0}\n"u8),
            3, "the file holds a NUL byte");
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_are_an_import_error_at_their_line_instead_of_being_replaced()
    {
        await using var engine = await AssertIsolatedAsync(
            engine => WriteBytes(engine, Hostile, [.. "dag_id: hostile\nschedule: null\ndescription: caf"u8, 0xE9, .. "\ntasks:\n  - {id: a, command: exit 0}\n"u8]),
            3, "the file is not valid UTF-8: byte 0xE9");
    }

    [Fact]
    public async Task A_symbolic_link_loop_is_an_import_error()
    {
        await using var engine = await AssertIsolatedAsync(
            engine => File.CreateSymbolicLink(Path.Combine(engine.DagFolder, Hostile), Hostile),
            null, "this symbolic link leads round in a loop and never reaches a file");
    }

    [Fact]
    public async Task A_dangling_symbolic_link_is_an_import_error()
    {
        await using var engine = await AssertIsolatedAsync(
            engine => File.CreateSymbolicLink(Path.Combine(engine.DagFolder, Hostile), "elsewhere/gone.yaml"),
            null, "this symbolic link points to 'elsewhere/gone.yaml', which does not exist");
    }

    [Fact]
    public async Task A_symbolic_link_to_a_good_file_is_read_through()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var target = Directory.CreateDirectory(Path.Combine(engine.DagFolder, "..", "elsewhere")).FullName;
        await File.WriteAllTextAsync(Path.Combine(target, "linked.yaml"), "dag_id: linked\nschedule: null\ntasks:\n  - {id: a, command: exit 0}\n");
        File.CreateSymbolicLink(Path.Combine(engine.DagFolder, "linked.yaml"), Path.Combine(target, "linked.yaml"));

        var result = await engine.ProcessDagFilesAsync();

        Assert.Equal(["linked"], result.Loaded);
    }

    [Fact]
    public async Task A_fifo_is_never_opened_and_once_removed_leaves_nothing_behind()
    {
        await using var engine = await AssertIsolatedAsync(
            engine => MakeFifo(Path.Combine(engine.DagFolder, Hostile)),
            null, "this is a named pipe (FIFO), not a file; it is not opened");

        File.Delete(Path.Combine(engine.DagFolder, Hostile));
        engine.WriteDagFile("good.yaml", Good("exit 3"));
        var result = await engine.ProcessDagFilesAsync().WaitAsync(PassTimeout);

        Assert.Equal(["good"], result.Changed);
        Assert.Equal("exit 3", await CurrentCommandAsync(engine));
        await using var db = engine.CreateContext();
        Assert.Empty(await db.ImportErrors.ToListAsync());
    }

    [Fact]
    public async Task A_directory_named_like_a_dag_file_is_an_import_error()
    {
        await using var engine = await AssertIsolatedAsync(
            engine => Directory.CreateDirectory(Path.Combine(engine.DagFolder, Hostile)),
            null, "this is a directory, not a file; only regular files are read");
    }

    [Fact]
    public async Task A_file_over_the_size_limit_is_not_read()
    {
        var size = 4 * 1024 * 1024 + 100;
        await using var engine = await AssertIsolatedAsync(
            engine => engine.WriteDagFile(Hostile, "dag_id: hostile\n" + new string('#', size - 17) + "\n"),
            null, $"the file is {size:N0} bytes, more than 4,194,304 (the limit is the setting Dags:MaxFileBytes); it is not read");
    }

    [Fact]
    public async Task An_alias_bomb_is_cut_off_while_it_is_read()
    {
        await using var engine = await AssertIsolatedAsync(engine => engine.WriteDagFile(Hostile, AliasBomb), 8,
            "the file has more than 500,000 YAML nodes, counting each alias as the nodes it repeats (the limit is the setting Dags:MaxYamlNodes)");
    }

    [Fact]
    public async Task An_over_long_description_is_an_import_error()
    {
        await using var engine = await AssertIsolatedAsync(
            engine => engine.WriteDagFile(Hostile, $"dag_id: hostile\nschedule: null\ndescription: {new string('d', 10_000)}\ntasks:\n  - {{id: a, command: exit 0}}\n"),
            3, "'description' is 10,000 characters long, more than 4,000 (the limit is the setting Dags:MaxDescriptionLength)");
    }

    [Fact]
    public async Task More_tasks_than_the_limit_are_an_import_error()
    {
        await using var engine = await AssertIsolatedAsync(engine => engine.WriteDagFile(Hostile, Chain("hostile", 10_001)), 5,
            "the DAG has 10,001 tasks, more than 10,000 (the limit is the setting Dags:MaxTasks)");
    }

    [Fact]
    public async Task A_dag_of_5000_tasks_in_a_chain_loads()
    {
        await using var engine = await EngineHarness.CreateAsync();
        engine.WriteDagFile("big.yaml", Chain("big", 5_000));

        var result = await engine.ProcessDagFilesAsync();

        Assert.Equal(["big"], result.Loaded);
        await using var db = engine.CreateContext();
        var version = await db.Dags.Where(d => d.DagId == "big").Select(d => d.CurrentVersionId).SingleAsync();
        var tasks = await db.DagTasks.Where(t => t.DagVersionId == version).OrderBy(t => t.Ordinal).Select(t => t.TaskId).ToListAsync();
        Assert.Equal(Enumerable.Range(0, 5_000).Select(i => $"t{i:D5}"), tasks);
    }

    [Theory]
    [InlineData("start_date: 0001-01-01", 3, "'start_date' in the DAG must be in the years 1900 to 2200, got '0001-01-01'")]
    [InlineData("end_date: 9999-12-31", 4, "'end_date' in the DAG must be in the years 1900 to 2200, got '9999-12-31'")]
    public async Task Dates_outside_1900_to_2200_are_import_errors(string date, int line, string message)
    {
        var dates = date.StartsWith("start", StringComparison.Ordinal) ? date + "\nend_date: 2030-01-01" : "start_date: 2024-01-01\n" + date;
        await using var engine = await AssertIsolatedAsync(
            engine => engine.WriteDagFile(Hostile, $"dag_id: hostile\nschedule: \"@daily\"\n{dates}\ntasks:\n  - {{id: a, command: exit 0}}\n"),
            line, message);

        var list = await engine.Services.GetRequiredService<DagListQuery>().ListAsync();
        Assert.Equal(["good"], list.Select(d => d.DagId));
    }

    [Fact]
    public async Task A_dag_whose_stored_dates_no_timetable_can_compute_shows_no_next_run_and_the_list_still_loads()
    {
        await using var engine = await EngineHarness.CreateAsync();
        engine.WriteDagFile("good.yaml", Good("exit 1"));
        engine.WriteDagFile("other.yaml", Good("exit 1").Replace("dag_id: good", "dag_id: other", StringComparison.Ordinal));
        await engine.ProcessDagFilesAsync();

        // As a row written before dates were checked holds them: PostgreSQL keeps year 1 as -infinity.
        await using (var db = engine.CreateContext())
        {
            await db.Database.ExecuteSqlRawAsync("UPDATE dag SET start_date = '-infinity', end_date = 'infinity' WHERE dag_id = 'good'");
        }

        var list = (await engine.Services.GetRequiredService<DagListQuery>().ListAsync()).ToDictionary(d => d.DagId);

        Assert.Null(list["good"].NextRun);
        Assert.NotNull(list["other"].NextRun);
    }

    [Fact]
    public async Task A_database_error_while_storing_a_file_is_that_files_import_error()
    {
        await using var engine = await AssertIsolatedAsync(
            async engine =>
            {
                await using var db = engine.CreateContext();
                await db.Database.ExecuteSqlRawAsync("""
                    CREATE FUNCTION refuse_hostile() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        IF NEW.dag_id = 'hostile' THEN RAISE EXCEPTION 'no room for %', NEW.dag_id; END IF;
                        RETURN NEW;
                    END $$;
                    CREATE TRIGGER refuse_hostile BEFORE INSERT OR UPDATE ON dag FOR EACH ROW EXECUTE FUNCTION refuse_hostile();
                    """);
                engine.WriteDagFile(Hostile, "dag_id: hostile\nschedule: null\ntasks:\n  - {id: a, command: exit 0}\n");
            },
            null, "the DAG could not be stored: P0001: no room for hostile");
    }

    /// <summary>The alias bomb of the issue: 430 bytes that expand to 387 million values.</summary>
    internal const string AliasBomb = """
        dag_id: hostile
        params:
          a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
          b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
          c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
          d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
          e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
          f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
          g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
          h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
          i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
        schedule: null
        tasks:
          - {id: a, command: exit 0}
        """;

    // Generous: a pass that blocked on the FIFO would never end, and this turns that into a failure instead of a hang.
    private static readonly TimeSpan PassTimeout = TimeSpan.FromMinutes(2);

    private static string Good(string command) => $"dag_id: good\nschedule: \"@daily\"\nstart_date: 2024-01-01\ntasks:\n  - id: a\n    command: {command}\n";

    private static string Chain(string dagId, int count)
    {
        var yaml = new StringBuilder($"dag_id: {dagId}\nschedule: null\ndescription: a chain\ntasks:\n");
        for (var i = 0; i < count; i++)
        {
            yaml.Append(i == 0 ? $"  - {{id: t{i:D5}, command: exit 0}}\n" : $"  - {{id: t{i:D5}, command: exit 0, upstream: t{i - 1:D5}}}\n");
        }

        return yaml.ToString();
    }

    /// <summary>
    /// Loads the good DAG, then in one pass writes the hostile entry and changes the good file: the good
    /// DAG's new version lands, and the hostile entry has exactly one import error, which a rescan leaves as it is.
    /// </summary>
    private static Task<EngineHarness> AssertIsolatedAsync(Action<EngineHarness> writeHostile, int? line, string message) =>
        AssertIsolatedAsync(engine =>
        {
            writeHostile(engine);
            return Task.CompletedTask;
        }, line, message);

    private static async Task<EngineHarness> AssertIsolatedAsync(Func<EngineHarness, Task> writeHostile, int? line, string message)
    {
        var engine = await EngineHarness.CreateAsync();
        try
        {
            engine.WriteDagFile("good.yaml", Good("exit 1"));
            Assert.Equal(["good"], (await engine.ProcessDagFilesAsync()).Loaded);

            await writeHostile(engine);
            engine.WriteDagFile("good.yaml", Good("exit 2"));
            var result = await engine.ProcessDagFilesAsync().WaitAsync(PassTimeout);

            Assert.Equal(["good"], result.Loaded);
            Assert.Equal(["good"], result.Changed);
            Assert.Equal("exit 2", await CurrentCommandAsync(engine));
            ImportError error;
            await using (var db = engine.CreateContext())
            {
                error = Assert.Single(await db.ImportErrors.ToListAsync());
                Assert.Equal((Hostile, line), (error.FileLocation, error.Line));
                Assert.Contains(message, error.Message, StringComparison.Ordinal);
                Assert.False(await db.Dags.AnyAsync(d => d.DagId == "hostile"));
            }

            await engine.ProcessDagFilesAsync().WaitAsync(PassTimeout);
            await using (var db = engine.CreateContext())
            {
                Assert.Equal(error.Id, Assert.Single(await db.ImportErrors.ToListAsync()).Id);
            }

            return engine;
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    private static async Task<string> CurrentCommandAsync(EngineHarness engine)
    {
        await using var db = engine.CreateContext();
        var commands = await db.QueryAsync(
            "SELECT t.command FROM dag_task t JOIN dag d ON d.current_version_id = t.dag_version_id WHERE d.dag_id = 'good'",
            r => r.GetString(0), CancellationToken.None);
        return Assert.Single(commands);
    }

    private static void WriteBytes(EngineHarness engine, string fileName, ReadOnlySpan<byte> bytes) =>
        File.WriteAllBytes(Path.Combine(engine.DagFolder, fileName), bytes);

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }
}
