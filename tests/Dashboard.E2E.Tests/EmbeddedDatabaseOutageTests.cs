using System.Diagnostics;
using System.Net;
using Dashboard.Testing;
using Xunit.Abstractions;

namespace Dashboard.E2E.Tests;

/// <summary>The embedded PostgreSQL server killed under the running app: the app notices, restarts it and carries on.</summary>
public sealed class EmbeddedDatabaseOutageTests(ITestOutputHelper output)
{
    /// <summary>Log lines (two per entry with the simple console format) the whole outage may cost; it used to be ~70 a second.</summary>
    private const int MaxOutageLogLines = 120;

    [Fact]
    public async Task A_killed_embedded_server_is_restarted_and_pages_say_they_are_retrying_meanwhile()
    {
        var home = TestPostgres.ScratchDirectory("outage");
        Directory.CreateDirectory(Path.Combine(home, "dags"));
        await File.WriteAllTextAsync(Path.Combine(home, "dags", "before.yaml"), DagYaml("before_the_outage"));
        await using var app = AppProcess.Start(home, new Dictionary<string, string>
        {
            ["Dashboard__AdminPassword"] = DashboardAppHost.AdminPassword,
            // Every request checks its session against the database, as a long-lived session does once in a while.
            ["Dashboard__SessionRevalidationInterval"] = "00:00:01",
        });
        var address = await app.WaitUntilListeningAsync();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = address };
        using (var signIn = await SignInForm.PostAsync(client, DashboardAppHost.AdminUserName, DashboardAppHost.AdminPassword))
        {
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        }

        await WaitUntilAsync(app, async () => (await client.GetStringAsync("/")).Contains("before_the_outage"), "the first DAG is listed");

        // A setting PostgreSQL does not know keeps the server from starting again until the test has seen the outage.
        var dataDirectory = Path.Combine(home, ".data", "postgres");
        var autoConf = Path.Combine(dataDirectory, "postgresql.auto.conf");
        var originalConf = await File.ReadAllTextAsync(autoConf);
        await File.AppendAllTextAsync(autoConf, "dashboard_test_blocks_the_start = on\n");
        var linesBefore = Lines(app.Output).Count;
        Kill(PostmasterPid(dataDirectory));

        await WaitUntilAsync(app, async () => await StatusAsync(client, "/healthz") == HttpStatusCode.ServiceUnavailable, "/healthz says unhealthy");
        using (var page = await client.GetAsync("/"))
        {
            var html = await page.Content.ReadAsStringAsync();
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET / answered {(int)page.StatusCode}. The app's output:\n{app.Output}");
            Assert.Contains("the database cannot be reached right now", html);
            Assert.DoesNotContain("Exception", html);
            Assert.DoesNotContain(" at Dashboard.", html);
        }

        await WaitUntilAsync(app, () => Task.FromResult(app.Output.Contains("Starting the local PostgreSQL server failed (attempt 2")), "a second restart attempt");
        await File.WriteAllTextAsync(autoConf, originalConf);

        await WaitUntilAsync(app, async () => await StatusAsync(client, "/healthz") == HttpStatusCode.OK, "/healthz is healthy again");
        await File.WriteAllTextAsync(Path.Combine(home, "dags", "after.yaml"), DagYaml("after_the_outage"));
        await WaitUntilAsync(app, async () => (await client.GetStringAsync("/")).Contains("after_the_outage"), "a DAG added after the outage is listed");

        var outage = Lines(app.Output).Skip(linesBefore).TakeWhile(line => !line.Contains("is serving again", StringComparison.Ordinal)).ToList();
        output.WriteLine($"{outage.Count} log lines from the kill to the restart:\n{string.Join('\n', outage)}");
        Assert.Contains(outage, line => line.Contains("has stopped; starting it again", StringComparison.Ordinal));
        Assert.True(outage.Count <= MaxOutageLogLines, $"{outage.Count} log lines during the outage:\n{string.Join('\n', outage)}");
        Assert.DoesNotContain(outage, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal)); // no stack traces
    }

    private static string DagYaml(string dagId) => $"""
        dag_id: {dagId}
        schedule: null
        tasks:
          - id: hello
            command: echo hello
        """;

    private static List<string> Lines(string output) => [.. output.Split('\n')];

    private static int PostmasterPid(string dataDirectory) =>
        int.Parse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);

    private static void Kill(int pid) => Process.Start("kill", ["-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return response.StatusCode;
    }

    private static Task WaitUntilAsync(AppProcess app, Func<Task<bool>> condition, string what) =>
        Eventually.HoldsAsync(condition, what, () => $"The app's output:\n{app.Output}\n{app.ErrorOutput}");
}
