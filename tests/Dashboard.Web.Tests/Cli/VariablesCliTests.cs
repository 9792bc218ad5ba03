using System.Text.Json.Nodes;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Dashboard.Web.Cli;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Web.Tests.Cli;

/// <summary><c>variables set|get|list|delete|export|import</c> against a real database of their own.</summary>
public sealed class VariablesCliTests : IAsyncLifetime
{
    private const string Secret = "vault-value-8842";

    private string _connectionString = "";
    private string _folder = "";

    public async Task InitializeAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync();
        _folder = TestPostgres.ScratchDirectory("cli-variables");
    }

    public Task DisposeAsync()
    {
        TestPostgres.ReleaseConnections(_connectionString);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Set_creates_then_replaces_a_variable_and_get_prints_its_value()
    {
        var created = await RunAsync(["variables", "set", "region", "emea", "--description", "Sales region"]);
        var first = await RunAsync(["variables", "get", "region"]);
        var updated = await RunAsync(["variables", "set", "region", "apac"]);
        var second = await RunAsync(["variables", "get", "region"]);

        Assert.Equal((ExitCodes.Success, "Variable region created", ""), (created.ExitCode, created.Out.Trim(), created.Error));
        Assert.Equal((ExitCodes.Success, "emea\n"), (first.ExitCode, first.Out));
        Assert.Equal((ExitCodes.Success, "Variable region updated"), (updated.ExitCode, updated.Out.Trim()));
        Assert.Equal("apac", second.Out.Trim());
        await using var db = CreateContext();
        var row = await db.Variables.SingleAsync();
        Assert.Equal(("apac", "Sales region", false), (row.Value, row.Description, row.IsSecret)); // the description is kept
        Assert.Equal(2, await db.AuditLog.CountAsync(a => a.Action.StartsWith("variable.")));
    }

    [Fact]
    public async Task Get_of_an_unknown_key_fails_unless_a_default_is_given()
    {
        var missing = await RunAsync(["variables", "get", "nope"]);
        var fallback = await RunAsync(["variables", "get", "nope", "--default", "fallback value"]);
        var empty = await RunAsync(["variables", "get", "nope", "-d", ""]);

        Assert.Equal((ExitCodes.Refused, "", "Variable nope does not exist"), (missing.ExitCode, missing.Out, missing.Error.Trim()));
        Assert.Equal((ExitCodes.Success, "fallback value\n"), (fallback.ExitCode, fallback.Out));
        Assert.Equal((ExitCodes.Success, "\n"), (empty.ExitCode, empty.Out));
    }

    [Fact]
    public async Task Get_with_json_prints_the_value_as_indented_json_and_refuses_one_that_is_not()
    {
        await RunAsync(["variables", "set", "settings", """{"retries":3,"tables":["a","b"]}"""]);
        await RunAsync(["variables", "set", "api_key", $"not json {Secret}"]);

        var json = await RunAsync(["variables", "get", "settings", "-j"]);
        var notJson = await RunAsync(["variables", "get", "api_key", "--deserialize-json"]);

        Assert.Equal(ExitCodes.Success, json.ExitCode);
        Assert.Equal("{\n  \"retries\": 3,\n  \"tables\": [\n    \"a\",\n    \"b\"\n  ]\n}\n", json.Out.ReplaceLineEndings("\n"));
        Assert.Equal(ExitCodes.Refused, notJson.ExitCode);
        Assert.StartsWith("Variable api_key is not JSON (line 1, position ", notJson.Error);
        Assert.DoesNotContain(Secret, notJson.Out + notJson.Error);
    }

    [Fact]
    public async Task A_secret_variable_is_stored_encrypted_listed_as_stars_and_stays_secret_when_set_again()
    {
        var set = await RunAsync(["variables", "set", "vault", Secret, "--secret"]);
        await RunAsync(["variables", "set", "region", "emea"]);
        var again = await RunAsync(["variables", "set", "vault", $"{Secret}-2"]);
        var byName = await RunAsync(["variables", "set", "service_token", Secret]);

        Assert.Equal("Variable vault created (secret: stored encrypted, shown as ***)", set.Out.Trim());
        Assert.Equal("Variable vault updated (secret: stored encrypted, shown as ***)", again.Out.Trim());
        Assert.Equal("Variable service_token created (secret: stored encrypted, shown as ***)", byName.Out.Trim());
        await using (var db = CreateContext())
        {
            var rows = await db.Variables.Where(v => v.Key != "region").ToListAsync();
            Assert.All(rows, v => Assert.True(v.IsSecret));
            Assert.All(rows, v => Assert.DoesNotContain(Secret, v.Value));
        }

        var table = await RunAsync(["variables", "list"]);
        var json = await RunAsync(["variables", "list", "-o", "json"]);
        Assert.Equal(["KEY", "VALUE", "SOURCE", "DESCRIPTION"], Words(table.OutLines[0]));
        Assert.Equal(["region", "emea", "database"], Words(table.OutLines[2]));
        Assert.Equal(["service_token", "***", "database"], Words(table.OutLines[3]));
        Assert.Equal(["vault", "***", "database"], Words(table.OutLines[4]));
        var rowsJson = JsonNode.Parse(json.Out)!.AsArray();
        Assert.Equal(["emea", "***", "***"], rowsJson.Select(r => (string?)r!["value"]));
        Assert.Equal([false, true, true], rowsJson.Select(r => (bool)r!["is_secret"]!));
        foreach (var outcome in new[] { set, again, byName, table, json })
        {
            Assert.DoesNotContain(Secret, outcome.Out + outcome.Error);
        }

        Assert.Equal($"{Secret}-2", (await RunAsync(["variables", "get", "vault"])).Out.Trim());
    }

    [Fact]
    public async Task Delete_removes_a_variable_and_refuses_an_unknown_key()
    {
        await RunAsync(["variables", "set", "region", "emea"]);

        var deleted = await RunAsync(["variables", "delete", "region"]);
        var again = await RunAsync(["variables", "delete", "region"]);
        var list = await RunAsync(["variables", "list"]);
        var json = await RunAsync(["variables", "list", "--output", "json"]);

        Assert.Equal((ExitCodes.Success, "Variable region deleted"), (deleted.ExitCode, deleted.Out.Trim()));
        Assert.Equal((ExitCodes.Refused, "There is no variable 'region'."), (again.ExitCode, again.Error.Trim()));
        Assert.Equal("No variables.", list.Out.Trim());
        Assert.Equal("[]", json.Out.Trim());
    }

    [Fact]
    public async Task Bad_command_lines_and_an_invalid_key_are_told_apart()
    {
        var noValue = await RunAsync(["variables", "set", "region"]);
        var badKey = await RunAsync(["variables", "set", "my-key", "x"]);

        Assert.Equal(ExitCodes.Usage, noValue.ExitCode);
        Assert.Equal(ExitCodes.Refused, badKey.ExitCode);
        Assert.StartsWith("'my-key' is not a valid variable key", badKey.Error);
    }

    [Fact]
    public async Task Export_leaves_secret_values_out_unless_include_secrets_and_import_reads_either_back()
    {
        await RunAsync(["variables", "set", "vault", Secret, "--secret", "--description", "The vault"]);
        await RunAsync(["variables", "set", "region", "emea"]);
        var plain = Path.Combine(_folder, "plain.json");
        var full = Path.Combine(_folder, "full.json");

        var exportPlain = await RunAsync(["variables", "export", plain]);
        var exportFull = await RunAsync(["variables", "export", full, "--include-secrets"]);

        Assert.Equal($"2 variables successfully exported to {plain}, without their secrets (--include-secrets adds them).", exportPlain.Out.Trim());
        Assert.Equal($"2 variables successfully exported to {full}, with their secrets.", exportFull.Out.Trim());
        var plainText = await File.ReadAllTextAsync(plain);
        Assert.DoesNotContain(Secret, plainText);
        Assert.False(JsonNode.Parse(plainText)!["vault"]!.AsObject().ContainsKey("value"));
        Assert.Equal(Secret, (string?)JsonNode.Parse(await File.ReadAllTextAsync(full))!["vault"]!["value"]);

        // Without secrets: the stored secret value stays.
        await File.WriteAllTextAsync(plain, plainText.Replace("emea", "apac", StringComparison.Ordinal));
        var importPlain = await RunAsync(["variables", "import", plain]);
        Assert.Equal((ExitCodes.Success, $"Imported variables from {plain}: 0 created, 1 changed, the others unchanged."),
            (importPlain.ExitCode, importPlain.Out.Trim()));
        Assert.Equal((Secret, "apac"), ((await RunAsync(["variables", "get", "vault"])).Out.Trim(), (await RunAsync(["variables", "get", "region"])).Out.Trim()));

        // With secrets, into a database that has lost them; Airflow's plain {"key": value} form too.
        await RunAsync(["variables", "delete", "vault"]);
        await RunAsync(["variables", "delete", "region"]);
        Assert.Equal(ExitCodes.Success, (await RunAsync(["variables", "import", full])).ExitCode);
        var airflow = Path.Combine(_folder, "airflow.json");
        await File.WriteAllTextAsync(airflow, """{"batch_size": 500, "owner": "data team"}""");
        var importAirflow = await RunAsync(["variables", "import", airflow]);
        Assert.Equal($"Imported variables from {airflow}: 2 created, 0 changed, the others unchanged.", importAirflow.Out.Trim());
        Assert.Equal(Secret, (await RunAsync(["variables", "get", "vault"])).Out.Trim());
        Assert.Equal("500", (await RunAsync(["variables", "get", "batch_size"])).Out.Trim());
        await using var db = CreateContext();
        var vault = await db.Variables.SingleAsync(v => v.Key == "vault");
        Assert.Equal(("The vault", true), (vault.Description, vault.IsSecret));
    }

    [Fact]
    public async Task Import_of_a_missing_or_malformed_file_is_refused()
    {
        var missing = Path.Combine(_folder, "missing.json");
        var empty = Path.Combine(_folder, "empty.json");
        await File.WriteAllTextAsync(empty, "{}");

        var noFile = await RunAsync(["variables", "import", missing]);
        var nothing = await RunAsync(["variables", "import", empty]);
        var folder = await RunAsync(["variables", "import", _folder]);

        Assert.Equal((ExitCodes.Refused, $"Cannot read {missing}: there is no such file."), (noFile.ExitCode, noFile.Error.Trim()));
        Assert.Equal((ExitCodes.Refused, "The file holds no variable; nothing was imported."), (nothing.ExitCode, nothing.Error.Trim()));
        Assert.Equal((ExitCodes.Refused, $"Cannot read {_folder}: it is a directory."), (folder.ExitCode, folder.Error.Trim()));
    }

    [Fact]
    public async Task Secrets_rotate_encrypts_the_stored_secrets_again_and_they_still_read_back()
    {
        await RunAsync(["variables", "set", "vault", Secret, "--secret"]);
        string before;
        await using (var db = CreateContext())
        {
            before = (await db.Variables.SingleAsync()).Value;
        }

        var rotated = await RunAsync(["secrets", "rotate"]);

        Assert.Equal(ExitCodes.Success, rotated.ExitCode);
        Assert.StartsWith("A new key encrypts secrets from now on; 1 stored secret was encrypted again with it.", rotated.Out);
        Assert.Equal(Secret, (await RunAsync(["variables", "get", "vault"])).Out.Trim());
        await using var after = CreateContext();
        Assert.NotEqual(before, (await after.Variables.SingleAsync()).Value);
        Assert.Equal(2, await after.SecretKeys.CountAsync());
        Assert.Equal(1, await after.AuditLog.CountAsync(a => a.Action == "secrets.rotate"));
    }

    private Task<CliOutcome> RunAsync(string[] args) => CliRunner.RunAsync(_connectionString, args);

    private DashboardDbContext CreateContext() => new(DashboardDatabase.Options(_connectionString));

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
