using System.Text.Json;
using Dashboard.Core.Connections;
using Dashboard.Core.Domain;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Tests.Connections;

/// <summary>
/// Tries read connections and variables through templates in their command and env, the
/// environment wins over the database, an unknown one fails the try naming it, and no secret a
/// try could see reaches its stored log, its rendered command or the app's own log.
/// </summary>
public sealed class ConnectionsAndVariablesTests
{
    private const string Password = "pa:ss/w@rd+Secret9";
    private const string Token = "tok-5f1e2d3c";
    private const string ApiKey = "key-abcdef12345";

    private static readonly Actor Op = Actors.As(Role.Op, "olga");

    [Fact]
    public async Task Every_template_form_renders_in_the_command_and_the_env_and_the_secrets_are_masked()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var connections = engine.Services.GetRequiredService<ConnectionService>();
        var variables = engine.Services.GetRequiredService<VariableService>();
        await connections.SaveAsync(Op, new ConnectionEdit("azure_pg",
            new ConnectionFields("postgres", "db.example.com", 6432, "trips", "etl", null, $$$"""{"sslmode": "require", "token": "{{{Token}}}", "nested": {"region": "westeurope"}}"""),
            SecretChange.Set(Password), SaveMode.Create));
        await variables.SaveAsync(Op, new VariableEdit("bucket", "s3://raw-trips", false, null, SaveMode.Create));
        await variables.SaveAsync(Op, new VariableEdit("settings", """{"batch": {"size": 500}, "cities": ["nyc", "sf"]}""", false, null, SaveMode.Create));
        await variables.SaveAsync(Op, new VariableEdit("vendor", ApiKey, true, "the vendor's API key", SaveMode.Create));
        var dagId = await engine.AddDagAsync("""
            dag_id: templated
            schedule: null
            tasks:
              - id: show
                command: >-
                  echo "host={{ conn.azure_pg.host }} port={{ conn.azure_pg.port }} schema={{ conn.azure_pg.schema }}
                  login={{ conn.azure_pg.login }} type={{ conn.azure_pg.conn_type }} ssl={{ conn.azure_pg.extra_dejson.sslmode }}
                  region={{ conn.azure_pg.extra_dejson.nested.region }} bucket={{ var.value.bucket }}
                  size={{ var.json.settings.batch.size }} city={{ var.json.settings.cities.1 }}" &&
                  echo "password=$PGPASSWORD token={{ conn.azure_pg.extra_dejson.token }} key={{ var.value.vendor }}" &&
                  echo "in a URL: postgres://etl:$(printf %s "$PGPASSWORD" | sed -e 's/:/%3A/g; s|/|%2F|g; s/@/%40/g; s/+/%2B/g')@db" &&
                  echo "extra=$EXTRA"
                env:
                  PGPASSWORD: "{{ conn.azure_pg.password }}"
                  EXTRA: "{{ conn.azure_pg.extra }}"
            """);
        var runId = await engine.TriggerAsync(dagId);

        await engine.RunUntilRunsFinishedAsync(dagId);

        var ti = await engine.TaskInstanceAsync(dagId, runId, "show");
        var log = await engine.LogAsync(ti.Id, 1);
        Assert.Equal(TaskInstanceState.Success, ti.State);
        Assert.Contains("host=db.example.com port=6432 schema=trips login=etl type=postgres ssl=require region=westeurope bucket=s3://raw-trips size=500 city=sf", log);
        Assert.Contains("password=*** token=*** key=***", log);
        Assert.Contains("in a URL: postgres://etl:***@db", log);
        Assert.Contains("extra=***", log);
        Assert.Contains("token=*** key=***", ti.RenderedCommand);
        Assert.Contains("host=db.example.com", ti.RenderedCommand);
        AssertNoSecret(string.Join('\n', log), ti.RenderedCommand);
        AssertNoSecret(engine.Log.All.Select(e => e.ToString()).ToArray());
    }

    [Fact]
    public async Task An_unknown_connection_variable_field_or_path_fails_the_try_naming_it_without_running_the_command()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.Services.GetRequiredService<VariableService>()
            .SaveAsync(Op, new VariableEdit("plain", "not json", false, null, SaveMode.Create));
        await engine.Services.GetRequiredService<ConnectionService>()
            .SaveAsync(Op, new ConnectionEdit("known", new ConnectionFields("postgres", "h"), SecretChange.Keep, SaveMode.Create));
        var dagId = await engine.AddDagAsync("""
            dag_id: typos
            schedule: null
            tasks:
              - id: run
                command: touch "$DASHBOARD_DATA_DIR/ran"; echo {{ conn.missing_db.host }} {{ var.value.nope }} {{ conn.known.hostname }} {{ var.json.plain.x }}
                env:
                  TOKEN: "{{ var.value.also_missing }}"
            """);
        var runId = await engine.TriggerAsync(dagId);

        await engine.RunUntilRunsFinishedAsync(dagId);

        var ti = await engine.TaskInstanceAsync(dagId, runId, "run");
        var log = await engine.LogAsync(ti.Id, 1);
        Assert.Equal(TaskInstanceState.Failed, ti.State);
        Assert.Contains("Template error: unknown connection 'missing_db': add it under Admin → Connections, or set DASHBOARD_CONN_MISSING_DB", log);
        Assert.Contains("Template error: unknown variable 'nope': add it under Admin → Variables, or set DASHBOARD_VAR_NOPE", log);
        Assert.Contains(log, line => line.StartsWith("Template error: connection 'known' has no field 'hostname'", StringComparison.Ordinal));
        Assert.Contains("Template error: variable 'plain' is not JSON, so var.json cannot read it; use var.value", log);
        Assert.Contains("Template error: env TOKEN: unknown variable 'also_missing': add it under Admin → Variables, or set DASHBOARD_VAR_ALSO_MISSING", log);
        Assert.Contains("The command was not run.", log);
        Assert.False(File.Exists(Path.Combine(engine.DataDirectory, "ran")));
    }

    [Fact]
    public async Task The_environment_wins_over_the_database_and_a_malformed_environment_connection_fails_the_try_naming_its_variable()
    {
        var id = "env_" + Guid.NewGuid().ToString("N")[..8];
        var broken = id + "_broken";
        Environment.SetEnvironmentVariable(EnvironmentOverrides.ConnectionVariable(id), $"postgres://from_env:{Uri.EscapeDataString(Password)}@env-host:5433/envdb?sslmode=disable");
        Environment.SetEnvironmentVariable(EnvironmentOverrides.VariableVariable(id), "from the environment");
        Environment.SetEnvironmentVariable(EnvironmentOverrides.ConnectionVariable(broken), "not a uri");
        try
        {
            await using var engine = await EngineHarness.CreateAsync();
            await engine.Services.GetRequiredService<ConnectionService>().SaveAsync(Op,
                new ConnectionEdit(id, new ConnectionFields("postgres", "db-host", 5432, "dbdb", "from_db"), SecretChange.Set("db-password"), SaveMode.Create));
            await engine.Services.GetRequiredService<VariableService>().SaveAsync(Op, new VariableEdit(id, "from the database", false, null, SaveMode.Create));
            var dagId = await engine.AddDagAsync($$$"""
                dag_id: overridden
                schedule: null
                tasks:
                  - id: show
                    command: echo "{{ conn.{{{id}}}.login }}@{{ conn.{{{id}}}.host }}:{{ conn.{{{id}}}.port }}/{{ conn.{{{id}}}.schema }} {{ conn.{{{id}}}.extra_dejson.sslmode }} {{ var.value.{{{id}}} }} $P"
                    env:
                      P: "{{ conn.{{{id}}}.password }}"
                  - id: broken
                    command: echo {{ conn.{{{broken}}}.host }}
                """);
            var runId = await engine.TriggerAsync(dagId);

            await engine.RunUntilRunsFinishedAsync(dagId);

            var show = await engine.TaskInstanceAsync(dagId, runId, "show");
            Assert.Equal(TaskInstanceState.Success, show.State);
            Assert.Contains("from_env@env-host:5433/envdb disable from the environment ***", await engine.LogAsync(show.Id, 1));
            var failed = await engine.TaskInstanceAsync(dagId, runId, "broken");
            Assert.Equal(TaskInstanceState.Failed, failed.State);
            Assert.Contains(
                $"Template error: The environment variable {EnvironmentOverrides.ConnectionVariable(broken)} is not a connection: a connection URI starts with its type and '://', as in postgres://login:password@host:5432/database.",
                await engine.LogAsync(failed.Id, 1));
        }
        finally
        {
            Environment.SetEnvironmentVariable(EnvironmentOverrides.ConnectionVariable(id), null);
            Environment.SetEnvironmentVariable(EnvironmentOverrides.VariableVariable(id), null);
            Environment.SetEnvironmentVariable(EnvironmentOverrides.ConnectionVariable(broken), null);
        }
    }

    [Fact]
    public async Task Secrets_are_stored_encrypted_and_never_in_an_audit_row()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var connections = engine.Services.GetRequiredService<ConnectionService>();
        var variables = engine.Services.GetRequiredService<VariableService>();
        await connections.SaveAsync(Op, new ConnectionEdit("warehouse",
            new ConnectionFields("postgres", "wh", 5432, "wh", "loader", null, $$"""{"token": "{{Token}}"}"""), SecretChange.Set(Password), SaveMode.Create));
        await connections.SaveAsync(Op, new ConnectionEdit("warehouse",
            new ConnectionFields("postgres", "wh2", 5432, "wh", "loader", null, $$"""{"token": "{{Token}}", "api_key": "{{ApiKey}}"}"""), SecretChange.Set(Password + "2"), SaveMode.Update));
        await variables.SaveAsync(Op, new VariableEdit("vendor_key", ApiKey, true, null, SaveMode.Create));
        await variables.ImportAsync(Op, $$"""{"imported": {"value": "{{Token}}x", "is_secret": true}, "plain": 42}""");

        await using var db = engine.CreateContext();
        var stored = string.Join('\n', await db.Database.SqlQueryRaw<string>(
            "SELECT row_to_json(c)::text AS \"Value\" FROM connection c UNION ALL SELECT row_to_json(v)::text FROM variable v").ToListAsync());
        Assert.Contains("loader", stored);
        Assert.Contains("42", stored);
        AssertNoSecret(stored);
        var audit = await db.AuditLog.OrderBy(a => a.Id).ToListAsync();
        Assert.Equal(["connection.create", "connection.update", "variable.create", "variable.import"], audit.Select(a => a.Action));
        Assert.Contains("\"password\"", audit[1].Details);
        Assert.Contains("\"extra\"", audit[1].Details);
        AssertNoSecret(audit.Select(a => a.Details).ToArray());

        var lookup = await engine.Services.GetRequiredService<ConfigLookup>().LoadAsync(["warehouse"], ["vendor_key", "imported", "plain"], CancellationToken.None);
        Assert.Equal(Password + "2", lookup.Connections["warehouse"].Password);
        Assert.Equal((ApiKey, true), (lookup.Variables["vendor_key"].Value, lookup.Variables["vendor_key"].IsSecret));
        Assert.Equal((Token + "x", "42"), (lookup.Variables["imported"].Value, lookup.Variables["plain"].Value));
    }

    [Fact]
    public async Task Only_an_op_or_an_admin_changes_connections_and_variables_and_a_refusal_changes_nothing()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var connections = engine.Services.GetRequiredService<ConnectionService>();
        var variables = engine.Services.GetRequiredService<VariableService>();
        await connections.SaveAsync(Op, new ConnectionEdit("db", new ConnectionFields("postgres", "h"), SecretChange.Set(Password), SaveMode.Create));
        await variables.SaveAsync(Op, new VariableEdit("vendor_key", ApiKey, true, null, SaveMode.Create));
        var edit = new ConnectionEdit("db", new ConnectionFields("postgres", "evil"), SecretChange.Keep, SaveMode.Update);

        foreach (var role in new[] { Role.Viewer, Role.User })
        {
            var actor = Actors.As(role);
            await Assert.ThrowsAsync<AccessDeniedException>(() => connections.SaveAsync(actor, edit));
            await Assert.ThrowsAsync<AccessDeniedException>(() => connections.DeleteAsync(actor, "db"));
            await Assert.ThrowsAsync<AccessDeniedException>(() => connections.ImportAsync(actor, """{"x": {"conn_type": "http"}}"""));
            await Assert.ThrowsAsync<AccessDeniedException>(() => connections.ExportAsync(actor, includeSecrets: true));
            await Assert.ThrowsAsync<AccessDeniedException>(() => connections.TestAsync(actor, "db"));
            await Assert.ThrowsAsync<AccessDeniedException>(() => connections.GetForEditAsync(actor, "db"));
            await Assert.ThrowsAsync<AccessDeniedException>(() => variables.SaveAsync(actor, new VariableEdit("k", "v", false, null, SaveMode.Upsert)));
            await Assert.ThrowsAsync<AccessDeniedException>(() => variables.DeleteAsync(actor, "vendor_key"));
            await Assert.ThrowsAsync<AccessDeniedException>(() => variables.ImportAsync(actor, """{"k": "v"}"""));
            await Assert.ThrowsAsync<AccessDeniedException>(() => variables.ExportAsync(actor, includeSecrets: true));
            await Assert.ThrowsAsync<AccessDeniedException>(() => variables.GetValueAsync(actor, "vendor_key"));

            // What anyone may see: everything but the secrets.
            var listed = Assert.Single(await connections.ListAsync(null));
            Assert.Equal(("evil" == listed.Host, true), (false, listed.HasPassword));
            Assert.Null(Assert.Single(await variables.ListAsync(null)).Value);
            AssertNoSecret((await connections.ExportAsync(actor, includeSecrets: false)).ToJsonString(), (await variables.ExportAsync(actor, includeSecrets: false)).ToJsonString());
        }

        Assert.Equal(Password, (await connections.ExportAsync(Op, includeSecrets: true))["db"]!["password"]!.GetValue<string>());
        Assert.Equal(ApiKey, await variables.GetValueAsync(Op, "vendor_key"));
        await using var db = engine.CreateContext();
        Assert.Equal(["connection.create", "variable.create", "connection.export"], await db.AuditLog.OrderBy(a => a.Id).Select(a => a.Action).ToListAsync());
    }

    [Fact]
    public async Task A_bad_import_or_field_is_refused_with_a_message_that_names_it_and_changes_nothing()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var connections = engine.Services.GetRequiredService<ConnectionService>();
        var variables = engine.Services.GetRequiredService<VariableService>();

        async Task Refused(Func<Task> action, string message) =>
            Assert.Equal(message, (await Assert.ThrowsAnyAsync<Core.Operations.OperationRefusedException>(action)).Message);

        await Refused(() => connections.ImportAsync(Op, """{"good": {"conn_type": "http"}, "bad": {"conn_type": "http", "port": "eighty"}}"""),
            "Connection 'bad' in the file: its port must be a number.");
        await Refused(() => connections.ImportAsync(Op, """{"good": {"conn_type": "http"}, "bad id": {"conn_type": "http"}}"""),
            "'bad id' is not a valid connection id: use 1 to 250 letters, digits or '_' (it is what templates and DASHBOARD_ environment variables name it by).");
        await Refused(() => connections.ImportAsync(Op, "[1, 2]"),
            "The file must hold one JSON object, each connection under its id: {\"my_id\": {...}}.");
        await Refused(() => connections.ImportAsync(Op, "{\"a\": "), "The file is not valid JSON (line 1, position 7); nothing was imported.");
        await Refused(() => connections.SaveAsync(Op, new ConnectionEdit("x", new ConnectionFields("postgres", Extra: "{\"a\": 1"), SecretChange.Keep, SaveMode.Create)),
            "Connection 'x': The extra is not valid JSON (line 1, position 8).");
        await Refused(() => connections.SaveAsync(Op, new ConnectionEdit("x", new ConnectionFields("postgres", Extra: "[1]"), SecretChange.Keep, SaveMode.Create)),
            "Connection 'x': The extra must be a JSON object, like {\"sslmode\": \"require\"}.");
        await Refused(() => connections.SaveAsync(Op, new ConnectionEdit("x", new ConnectionFields("postgres", Port: 70000), SecretChange.Keep, SaveMode.Create)),
            "Connection 'x': The port must be a number from 1 to 65535.");
        await Refused(() => connections.SaveAsync(Op, new ConnectionEdit("x", new ConnectionFields("postgres", Host: "a\nb"), SecretChange.Keep, SaveMode.Create)),
            "Connection 'x': The host contains a line break or another control character.");
        await Refused(() => connections.SaveAsync(Op, new ConnectionEdit("x", new ConnectionFields("postgres"), SecretChange.Keep, SaveMode.Update)),
            "There is no connection 'x' to change; it may have been deleted.");
        await Refused(() => connections.DeleteAsync(Op, "x"), "There is no connection 'x'.");
        await Refused(() => variables.SaveAsync(Op, new VariableEdit("k", new string('v', ConnectionRules.MaxVariableValueLength + 1), false, null, SaveMode.Create)),
            "Variable 'k': The value is longer than 256 KB.");
        await Refused(() => variables.ImportAsync(Op, """{"a": "1", "b": {"value": "2", "is_secret": "yes"}}"""),
            "Variable 'b' in the file: is_secret must be true or false.");

        await connections.SaveAsync(Op, new ConnectionEdit("x", new ConnectionFields("postgres"), SecretChange.Keep, SaveMode.Create));
        await Refused(() => connections.SaveAsync(Op, new ConnectionEdit("x", new ConnectionFields("http"), SecretChange.Keep, SaveMode.Create)),
            "A connection 'x' already exists; edit it instead.");

        await using var db = engine.CreateContext();
        Assert.Equal(["x"], await db.Connections.Select(c => c.ConnId).ToListAsync());
        Assert.Empty(await db.Variables.ToListAsync());
        Assert.Equal(["connection.create"], await db.AuditLog.Select(a => a.Action).ToListAsync());
    }

    [Fact]
    public async Task An_import_of_an_export_without_secrets_keeps_the_stored_secrets()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var connections = engine.Services.GetRequiredService<ConnectionService>();
        var variables = engine.Services.GetRequiredService<VariableService>();
        await connections.SaveAsync(Op, new ConnectionEdit("db", new ConnectionFields("postgres", "h", 5432, "s", "l", null, """{"sslmode": "require"}"""),
            SecretChange.Set(Password), SaveMode.Create));
        await variables.SaveAsync(Op, new VariableEdit("vendor_key", ApiKey, true, "key", SaveMode.Create));
        var connectionExport = (await connections.ExportAsync(Op, includeSecrets: false)).ToJsonString();
        var variableExport = (await variables.ExportAsync(Op, includeSecrets: false)).ToJsonString();

        Assert.Equal(new ImportResult(0, 0), await connections.ImportAsync(Op, connectionExport));
        Assert.Equal(new ImportResult(0, 0), await variables.ImportAsync(Op, variableExport));

        var lookup = await engine.Services.GetRequiredService<ConfigLookup>().LoadAsync(["db"], ["vendor_key"], CancellationToken.None);
        Assert.Equal((Password, """{"sslmode":"require"}"""), (lookup.Connections["db"].Password, lookup.Connections["db"].Extra));
        Assert.Equal(ApiKey, lookup.Variables["vendor_key"].Value);
    }

    [Fact]
    public async Task Rotating_the_key_encrypts_every_secret_again_with_a_new_key_and_they_still_read_back()
    {
        await using var engine = await EngineHarness.CreateAsync();
        await engine.Services.GetRequiredService<ConnectionService>().SaveAsync(Op, new ConnectionEdit("db",
            new ConnectionFields("postgres", "h", Extra: $$$"""{"token": "{{{Token}}}"}"""), SecretChange.Set(Password), SaveMode.Create));
        await engine.Services.GetRequiredService<VariableService>().SaveAsync(Op, new VariableEdit("vendor_key", ApiKey, true, null, SaveMode.Create));
        await engine.Services.GetRequiredService<VariableService>().SaveAsync(Op, new VariableEdit("plain", "visible", false, null, SaveMode.Create));
        async Task<(string[] Ciphertexts, int Keys)> StoredAsync()
        {
            await using var db = engine.CreateContext();
            var connection = await db.Connections.SingleAsync();
            var variables = await db.Variables.OrderBy(v => v.Key).Select(v => v.Value).ToListAsync();
            return ([connection.EncryptedPassword!, connection.EncryptedExtra!, .. variables], await db.SecretKeys.CountAsync());
        }

        var before = await StoredAsync();
        Assert.Equal(3, await engine.Services.GetRequiredService<SecretRotation>().RotateAsync(Actors.As(Role.Admin)));
        var after = await StoredAsync();

        Assert.Equal(before.Keys + 1, after.Keys);
        Assert.Equal("visible", after.Ciphertexts[2]);
        Assert.All(new[] { 0, 1, 3 }, i => Assert.NotEqual(before.Ciphertexts[i], after.Ciphertexts[i]));
        var lookup = await engine.Services.GetRequiredService<ConfigLookup>().LoadAsync(["db"], ["vendor_key"], CancellationToken.None);
        Assert.Equal((Password, ApiKey), (lookup.Connections["db"].Password, lookup.Variables["vendor_key"].Value));
        await Assert.ThrowsAsync<AccessDeniedException>(() => engine.Services.GetRequiredService<SecretRotation>().RotateAsync(Actors.As(Role.User)));
    }

    [Fact]
    public async Task Two_creates_of_one_id_at_once_make_one_connection_and_refuse_the_other()
    {
        await using var engine = await EngineHarness.CreateAsync();
        var connections = engine.Services.GetRequiredService<ConnectionService>();
        Task<bool> Create(string host) =>
            connections.SaveAsync(Op, new ConnectionEdit("twin", new ConnectionFields("postgres", host), SecretChange.Keep, SaveMode.Create));

        var attempts = new[] { Create("first"), Create("second") };
        var refusal = await Record.ExceptionAsync(() => Task.WhenAll(attempts));

        Assert.Equal("A connection 'twin' already exists; edit it instead.", Assert.IsType<Core.Operations.OperationRefusedException>(refusal).Message);
        Assert.Equal(1, attempts.Count(a => a.IsCompletedSuccessfully));
        await using var db = engine.CreateContext();
        Assert.Equal(1, await db.Connections.CountAsync());
        Assert.Equal(1, await db.AuditLog.CountAsync());
    }

    private static void AssertNoSecret(params string?[] texts)
    {
        foreach (var text in texts)
        {
            foreach (var secret in new[] { Password, Uri.EscapeDataString(Password), JsonEncodedText.Encode(Password).ToString(), Token, ApiKey })
            {
                Assert.DoesNotContain(secret, text ?? "", StringComparison.Ordinal);
            }
        }
    }
}
