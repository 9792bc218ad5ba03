using System.Text.Json.Nodes;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Dashboard.Web.Cli;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.Web.Tests.Cli;

/// <summary><c>connections add|get|list|delete|export|import</c> against a real database of their own.</summary>
public sealed class ConnectionsCliTests : IAsyncLifetime
{
    private const string Password = "S3cret-pass-xyz";
    private const string Token = "tok-abc-123456";

    private static readonly string[] Warehouse =
    [
        "connections", "add", "warehouse", "--conn-type", "postgres", "--conn-host", "db.internal", "--conn-port", "5432",
        "--conn-schema", "dwh", "--conn-login", "etl", "--conn-password", Password,
        "--conn-extra", $$"""{"sslmode": "require", "api_token": "{{Token}}"}""", "--conn-description", "The warehouse",
    ];

    private string _connectionString = "";
    private string _folder = "";

    public async Task InitializeAsync()
    {
        _connectionString = await TestPostgres.CreateDatabaseAsync();
        _folder = TestPostgres.ScratchDirectory("cli-connections");
    }

    public Task DisposeAsync()
    {
        TestPostgres.ReleaseConnections(_connectionString);
        return Task.CompletedTask;
    }

    private static string Actor => $"cli:{Environment.UserName}";

    [Fact]
    public async Task Add_prints_the_connection_without_its_secrets_and_stores_them_encrypted_with_an_audit_row()
    {
        var outcome = await RunAsync(Warehouse);

        Assert.Equal(ExitCodes.Success, outcome.ExitCode);
        Assert.Equal("", outcome.Error);
        Assert.Equal("Successfully added `conn_id`=warehouse", outcome.OutLines[0]);
        Assert.Equal(["CONN_ID", "CONN_TYPE", "HOST", "LOGIN", "PORT", "EXTRA"], Words(outcome.OutLines[1]));
        Assert.Equal("""warehouse  postgres   db.internal  etl    5432  {"sslmode":"require","api_token":"***"}""", outcome.OutLines[3]);
        AssertNoSecret(outcome);

        await using var db = CreateContext();
        var row = await db.Connections.SingleAsync();
        Assert.Equal(("postgres", "db.internal", 5432, "dwh", "etl", "The warehouse"), (row.ConnType, row.Host, row.Port, row.Schema, row.Login, row.Description));
        Assert.NotNull(row.EncryptedPassword);
        Assert.DoesNotContain(Password, row.EncryptedPassword);
        var audit = await db.AuditLog.SingleAsync(a => a.Action == "connection.create");
        Assert.Equal(Actor, audit.Actor);
    }

    [Fact]
    public async Task Add_reads_a_uri_and_airflows_json_form()
    {
        var fromUri = await RunAsync(["connections", "add", "from_uri", "--conn-uri", "postgres://etl:p%40ss-word-9@db:5433/dwh?sslmode=require"]);
        var fromJson = await RunAsync(["connections", "add", "from_json", "--conn-json",
            """{"conn_type": "http", "host": "api.example.com", "login": "bot", "password": "json-pass-42", "extra": {"timeout": 30}}"""]);

        Assert.Equal((ExitCodes.Success, ExitCodes.Success), (fromUri.ExitCode, fromJson.ExitCode));
        Assert.DoesNotContain("p@ss-word-9", fromUri.Out + fromUri.Error);
        Assert.DoesNotContain("json-pass-42", fromJson.Out + fromJson.Error);

        var uri = await GetJsonAsync("from_uri", "--show-secrets");
        Assert.Equal(("postgres", "db", 5433, "dwh", "etl", "p@ss-word-9"),
            ((string?)uri["conn_type"], (string?)uri["host"], (int?)uri["port"], (string?)uri["schema"], (string?)uri["login"], (string?)uri["password"]));
        Assert.Equal("""{"sslmode":"require"}""", (string?)uri["extra"]);
        var json = await GetJsonAsync("from_json", "--show-secrets");
        Assert.Equal(("http", "api.example.com", "bot", "json-pass-42", """{"timeout":30}"""),
            ((string?)json["conn_type"], (string?)json["host"], (string?)json["login"], (string?)json["password"], (string?)json["extra"]));
    }

    [Fact]
    public async Task An_existing_id_is_refused_and_the_message_says_to_delete_it_first()
    {
        await RunAsync(Warehouse);

        var outcome = await RunAsync(["connections", "add", "warehouse", "--conn-type", "http", "--conn-password", "other-pass-77"]);

        Assert.Equal(ExitCodes.Refused, outcome.ExitCode);
        Assert.Equal("", outcome.Out);
        Assert.Equal(
            "A connection with `conn_id`=warehouse already exists. Delete it first (connections delete warehouse), or import a file to replace it.",
            outcome.Error.Trim());
        Assert.DoesNotContain("other-pass-77", outcome.Error);
        await using var db = CreateContext();
        Assert.Equal("postgres", (await db.Connections.SingleAsync()).ConnType);
    }

    [Theory]
    [InlineData("postgres://etl:Pw-secret-77@db:99999/dwh", "--conn-uri must be a connection URI: the port of a connection URI must be a number from 1 to 65535")]
    [InlineData("etl:Pw-secret-77@db/dwh", "--conn-uri must be a connection URI: a connection URI starts with its type and '://'")]
    [InlineData("postgres://etl:Pw-secret-77@db/dwh?__extra__=%7Bbroken", "--conn-uri must be a connection URI: __extra__ must be a JSON object")]
    public async Task A_malformed_uri_is_a_usage_error_that_never_quotes_it(string uri, string message)
    {
        var outcome = await RunAsync(["connections", "add", "bad", "--conn-uri", uri]);

        Assert.Equal(ExitCodes.Usage, outcome.ExitCode);
        Assert.StartsWith($"error: {message}", outcome.Error);
        Assert.DoesNotContain("Pw-secret-77", outcome.Out + outcome.Error);
        await AssertNoConnectionsAsync();
    }

    [Fact]
    public async Task A_malformed_extra_or_connection_json_is_a_usage_error_that_never_quotes_it()
    {
        var extra = await RunAsync(["connections", "add", "bad", "--conn-type", "http", "--conn-extra", """{"password": "Pw-secret-77" """]);
        var notObject = await RunAsync(["connections", "add", "bad", "--conn-type", "http", "--conn-extra", """["Pw-secret-77"]"""]);
        var json = await RunAsync(["connections", "add", "bad", "--conn-json", """{"conn_type": "http", "password": "Pw-secret-77",}"""]);

        Assert.Equal((ExitCodes.Usage, ExitCodes.Usage, ExitCodes.Usage), (extra.ExitCode, notObject.ExitCode, json.ExitCode));
        Assert.StartsWith("error: --conn-extra must be a JSON object: the extra is not valid JSON (line 1, position ", extra.Error);
        Assert.StartsWith("error: --conn-extra must be a JSON object: the extra must be a JSON object", notObject.Error);
        Assert.StartsWith("error: --conn-json must be a connection as a JSON object", json.Error);
        foreach (var outcome in new[] { extra, notObject, json })
        {
            Assert.DoesNotContain("Pw-secret-77", outcome.Out + outcome.Error);
        }

        await AssertNoConnectionsAsync();
    }

    [Fact]
    public async Task Options_that_give_the_connection_twice_or_not_at_all_are_usage_errors()
    {
        var clash = await RunAsync(["connections", "add", "x", "--conn-uri", "http://h", "--conn-host", "other", "--conn-login", "me"]);
        var both = await RunAsync(["connections", "add", "x", "--conn-uri", "http://h", "--conn-json", """{"conn_type": "http"}"""]);
        var none = await RunAsync(["connections", "add", "x", "--conn-host", "h"]);
        var port = await RunAsync(["connections", "add", "x", "--conn-type", "http", "--conn-port", "eighty"]);

        Assert.All(new[] { clash, both, none, port }, o => Assert.Equal(ExitCodes.Usage, o.ExitCode));
        Assert.StartsWith("error: --conn-host, --conn-login cannot be given with --conn-uri", clash.Error);
        Assert.StartsWith("error: --conn-uri and --conn-json cannot be given together", both.Error);
        Assert.StartsWith("error: the connection is missing: give --conn-uri, --conn-json, or --conn-type", none.Error);
        Assert.StartsWith("error: --conn-port must be a whole number, got 'eighty'", port.Error);
        await AssertNoConnectionsAsync();
    }

    [Fact]
    public async Task The_value_of_a_misspelt_password_option_is_not_quoted_back()
    {
        var outcome = await RunAsync(["connections", "add", "x", "--conn-type", "http", "--conn-pasword", "Pw-secret-77"]);

        Assert.Equal(ExitCodes.Usage, outcome.ExitCode);
        Assert.Contains("error: Unrecognized command or argument '--conn-pasword'.", outcome.Error);
        Assert.Contains("error: Unrecognized command or argument (a word not shown, since it may be a secret).", outcome.Error);
        Assert.DoesNotContain("Pw-secret-77", outcome.Out + outcome.Error);

        var joined = await RunAsync(["connections", "add", "x", "--conn-type", "http", "--conn-pasword=Pw-secret-77"]);
        Assert.Equal("error: Unrecognized command or argument '--conn-pasword=...'.", joined.Error.Split('\n')[0]);
        var value = await RunAsync(["variables", "set", "vault", "my", "Pw-secret-77"]);
        Assert.Equal("error: Unrecognized command or argument (a word not shown, since it may be a secret).", value.Error.Split('\n')[0]);
        Assert.DoesNotContain("Pw-secret-77", joined.Error + value.Error);
    }

    [Fact]
    public async Task An_invalid_id_or_field_is_refused_by_the_service()
    {
        var id = await RunAsync(["connections", "add", "my-conn", "--conn-type", "http"]);
        var port = await RunAsync(["connections", "add", "x", "--conn-type", "http", "--conn-port", "70000"]);

        Assert.Equal((ExitCodes.Refused, ExitCodes.Refused), (id.ExitCode, port.ExitCode));
        Assert.StartsWith("'my-conn' is not a valid connection id: use 1 to 250 letters, digits or '_'", id.Error);
        Assert.Equal("Connection 'x': The port must be a number from 1 to 65535.", port.Error.Trim());
        await AssertNoConnectionsAsync();
    }

    [Fact]
    public async Task Get_shows_the_password_as_stars_unless_show_secrets_is_given()
    {
        await RunAsync(Warehouse);

        var table = await RunAsync(["connections", "get", "warehouse"]);
        var json = await RunAsync(["connections", "get", "warehouse", "--output", "json"]);
        var secrets = await RunAsync(["connections", "get", "warehouse", "-o", "json", "--show-secrets"]);

        Assert.Equal((ExitCodes.Success, ExitCodes.Success, ExitCodes.Success), (table.ExitCode, json.ExitCode, secrets.ExitCode));
        Assert.Equal(["FIELD", "VALUE"], Words(table.OutLines[0]));
        Assert.Contains("conn_id      warehouse", table.OutLines);
        Assert.Contains("host         db.internal", table.OutLines);
        Assert.Contains("password     ***", table.OutLines);
        Assert.Contains("""extra        {"sslmode":"require","api_token":"***"}""", table.OutLines);
        Assert.Contains("source       database", table.OutLines);
        AssertNoSecret(table);
        AssertNoSecret(json);

        var masked = JsonNode.Parse(json.Out)!;
        Assert.Equal(("warehouse", "***", 5432), ((string?)masked["conn_id"], (string?)masked["password"], (int?)masked["port"]));
        Assert.Null(masked["uri"]);
        var clear = JsonNode.Parse(secrets.Out)!;
        Assert.Equal(Password, (string?)clear["password"]);
        Assert.Equal($$"""{"sslmode":"require","api_token":"{{Token}}"}""", (string?)clear["extra"]);
        Assert.StartsWith($"postgres://etl:{Password}@db.internal:5432/dwh?__extra__=", (string?)clear["uri"]);
    }

    [Fact]
    public async Task Get_list_and_delete_of_an_unknown_id()
    {
        var get = await RunAsync(["connections", "get", "nope"]);
        var delete = await RunAsync(["connections", "delete", "nope"]);
        var table = await RunAsync(["connections", "list"]);
        var json = await RunAsync(["connections", "list", "-o", "json"]);

        Assert.Equal((ExitCodes.Refused, "There is no connection 'nope'."), (get.ExitCode, get.Error.Trim()));
        Assert.Equal((ExitCodes.Refused, "There is no connection 'nope'."), (delete.ExitCode, delete.Error.Trim()));
        Assert.Equal((ExitCodes.Success, "No connections."), (table.ExitCode, table.Out.Trim()));
        Assert.Equal((ExitCodes.Success, "[]"), (json.ExitCode, json.Out.Trim()));
    }

    [Fact]
    public async Task List_shows_every_connection_by_id_with_passwords_as_stars()
    {
        await RunAsync(Warehouse);
        await RunAsync(["connections", "add", "api", "--conn-uri", "http://api.example.com"]);

        var table = await RunAsync(["connections", "list"]);
        var json = await RunAsync(["connections", "list", "--output=json"]);

        Assert.Equal((ExitCodes.Success, ExitCodes.Success), (table.ExitCode, json.ExitCode));
        Assert.Equal(["CONN_ID", "CONN_TYPE", "HOST", "PORT", "SCHEMA", "LOGIN", "PASSWORD", "SOURCE", "DESCRIPTION"], Words(table.OutLines[0]));
        Assert.Equal(["api", "http", "api.example.com", "database"], Words(table.OutLines[2]));
        Assert.Equal(["warehouse", "postgres", "db.internal", "5432", "dwh", "etl", "***", "database", "The", "warehouse"], Words(table.OutLines[3]));
        var rows = JsonNode.Parse(json.Out)!.AsArray();
        Assert.Equal(["api", "warehouse"], rows.Select(r => (string?)r!["conn_id"]));
        Assert.Equal([null, "***"], rows.Select(r => (string?)r!["password"]));
        AssertNoSecret(table);
        AssertNoSecret(json);
    }

    [Fact]
    public async Task A_connection_from_the_environment_is_listed_with_its_source_and_a_stored_one_it_hides_is_warned_about()
    {
        // Only this class lists connections, and its tests run one at a time, so the variable is seen by this test alone.
        const string variable = "DASHBOARD_CONN_FROM_ENV";
        Environment.SetEnvironmentVariable(variable, $"http://bot:{Password}@env.example.com");
        try
        {
            var envOnly = await RunAsync(["connections", "list"]);
            Assert.Equal(["from_env", "http", "env.example.com", "bot", "***", "environment", $"({variable})"], Words(envOnly.OutLines[2]));

            var add = await RunAsync(["connections", "add", "from_env", "--conn-type", "http", "--conn-host", "db.example.com"]);
            Assert.Equal(ExitCodes.Success, add.ExitCode);
            Assert.Equal($"warning: the environment variable {variable} is set, so tasks use it instead of this connection.", add.Error.Trim());

            var both = await RunAsync(["connections", "list"]);
            Assert.Equal(["from_env", "http", "db.example.com", "database", "(tasks", "use", $"{variable})"], Words(both.OutLines[2]));
            var get = await RunAsync(["connections", "get", "from_env"]);
            Assert.Contains("host         env.example.com", get.OutLines);
            Assert.Contains($"source       environment ({variable})", get.OutLines);
            foreach (var outcome in new[] { envOnly, add, both, get })
            {
                AssertNoSecret(outcome);
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task Delete_removes_the_connection()
    {
        await RunAsync(Warehouse);

        var outcome = await RunAsync(["connections", "delete", "warehouse"]);

        Assert.Equal((ExitCodes.Success, "Successfully deleted connection with `conn_id`=warehouse"), (outcome.ExitCode, outcome.Out.Trim()));
        await AssertNoConnectionsAsync();
    }

    [Fact]
    public async Task Export_leaves_the_secrets_out_unless_include_secrets_and_import_reads_either_back()
    {
        await RunAsync(Warehouse);
        var plain = Path.Combine(_folder, "plain.json");
        var full = Path.Combine(_folder, "full.json");

        var exportPlain = await RunAsync(["connections", "export", plain]);
        var exportFull = await RunAsync(["connections", "export", full, "--include-secrets"]);

        Assert.Equal((ExitCodes.Success, $"1 connection successfully exported to {plain}, without their secrets (--include-secrets adds them)."),
            (exportPlain.ExitCode, exportPlain.Out.Trim()));
        Assert.Equal((ExitCodes.Success, $"1 connection successfully exported to {full}, with their secrets."), (exportFull.ExitCode, exportFull.Out.Trim()));
        var plainText = await File.ReadAllTextAsync(plain);
        Assert.DoesNotContain(Password, plainText);
        Assert.DoesNotContain(Token, plainText);
        var entry = JsonNode.Parse(plainText)!["warehouse"]!.AsObject();
        Assert.False(entry.ContainsKey("password"));
        Assert.Equal("db.internal", (string?)entry["host"]);
        var fullEntry = JsonNode.Parse(await File.ReadAllTextAsync(full))!["warehouse"]!;
        Assert.Equal(Password, (string?)fullEntry["password"]);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(full));
        }

        // Without secrets: the stored password stays.
        await RunAsync(["connections", "add", "other", "--conn-type", "http"]);
        await File.WriteAllTextAsync(plain, plainText.Replace("db.internal", "db2.internal", StringComparison.Ordinal));
        var importPlain = await RunAsync(["connections", "import", plain]);
        Assert.Equal((ExitCodes.Success, $"Imported connections from {plain}: 0 created, 1 changed, the others unchanged."),
            (importPlain.ExitCode, importPlain.Out.Trim()));
        var kept = await GetJsonAsync("warehouse", "--show-secrets");
        Assert.Equal(("db2.internal", Password), ((string?)kept["host"], (string?)kept["password"]));
        Assert.Equal($$"""{"sslmode":"require","api_token":"{{Token}}"}""", (string?)kept["extra"]); // the file's *** is the mask, not a value

        // With secrets, into a database that has lost the connection.
        Assert.Equal(ExitCodes.Success, (await RunAsync(["connections", "delete", "warehouse"])).ExitCode);
        var importFull = await RunAsync(["connections", "import", full]);
        Assert.Equal((ExitCodes.Success, $"Imported connections from {full}: 1 created, 0 changed, the others unchanged."),
            (importFull.ExitCode, importFull.Out.Trim()));
        var restored = await GetJsonAsync("warehouse", "--show-secrets");
        Assert.Equal(("db.internal", Password), ((string?)restored["host"], (string?)restored["password"]));
        Assert.Equal($$"""{"sslmode":"require","api_token":"{{Token}}"}""", (string?)restored["extra"]);
    }

    [Fact]
    public async Task Export_and_import_use_stdout_and_stdin_for_a_dash()
    {
        await RunAsync(Warehouse);

        var export = await RunAsync(["connections", "export", "-", "--include-secrets"]);
        Assert.Equal(ExitCodes.Success, export.ExitCode);
        Assert.Equal(Password, (string?)JsonNode.Parse(export.Out)!["warehouse"]!["password"]);
        Assert.Equal("1 connection successfully exported to stdout, with their secrets.", export.Error.Trim());

        await RunAsync(["connections", "delete", "warehouse"]);
        var import = await CliRunner.RunAsync(_connectionString, new CliStdin(export.Out, Interactive: false), "connections", "import", "-");
        Assert.Equal((ExitCodes.Success, "Imported connections from stdin: 1 created, 0 changed, the others unchanged."), (import.ExitCode, import.Out.Trim()));
        Assert.Equal(Password, (string?)(await GetJsonAsync("warehouse", "--show-secrets"))["password"]);
    }

    [Fact]
    public async Task A_file_that_is_missing_or_not_an_export_is_refused_and_changes_nothing()
    {
        var missing = Path.Combine(_folder, "missing.json");
        var broken = Path.Combine(_folder, "broken.json");
        await File.WriteAllTextAsync(broken, """{"a": {"conn_type": "http"}, "b": """);
        var badEntry = Path.Combine(_folder, "bad-entry.json");
        await File.WriteAllTextAsync(badEntry, """{"good": {"conn_type": "http"}, "bad": {"host": "h"}}""");

        var noFile = await RunAsync(["connections", "import", missing]);
        var notJson = await RunAsync(["connections", "import", broken]);
        var invalid = await RunAsync(["connections", "import", badEntry]);
        var yaml = await RunAsync(["connections", "export", Path.Combine(_folder, "out.yaml")]);

        Assert.Equal((ExitCodes.Refused, $"Cannot read {missing}: there is no such file."), (noFile.ExitCode, noFile.Error.Trim()));
        Assert.Equal(ExitCodes.Refused, notJson.ExitCode);
        Assert.StartsWith("The file is not valid JSON (line 1, position ", notJson.Error);
        Assert.Equal((ExitCodes.Refused, "Connection 'bad' in the file: it has no conn_type."), (invalid.ExitCode, invalid.Error.Trim()));
        Assert.Equal(ExitCodes.Usage, yaml.ExitCode);
        Assert.StartsWith("error: FILE must be a JSON file", yaml.Error);
        await AssertNoConnectionsAsync();
    }

    private Task<CliOutcome> RunAsync(string[] args) => CliRunner.RunAsync(_connectionString, args);

    private async Task<JsonNode> GetJsonAsync(string connId, params string[] options)
    {
        var outcome = await RunAsync(["connections", "get", connId, "--output", "json", .. options]);
        Assert.True(outcome.ExitCode == ExitCodes.Success, outcome.ToString());
        return JsonNode.Parse(outcome.Out)!;
    }

    private DashboardDbContext CreateContext() => new(DashboardDatabase.Options(_connectionString));

    private async Task AssertNoConnectionsAsync()
    {
        await using var db = CreateContext();
        Assert.False(await db.Connections.AnyAsync());
    }

    private static void AssertNoSecret(CliOutcome outcome)
    {
        Assert.DoesNotContain(Password, outcome.Out + outcome.Error);
        Assert.DoesNotContain(Token, outcome.Out + outcome.Error);
    }

    private static string[] Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
