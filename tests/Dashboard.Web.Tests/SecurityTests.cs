using System.Net;
using Dashboard.Core.Domain;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Dashboard.Web.Hosting;

namespace Dashboard.Web.Tests;

/// <summary>Headers every response carries, and hostile text from DAG files and task output shown as text, never run.</summary>
public sealed class SecurityTests(SecurityTests.App app) : IClassFixture<SecurityTests.App>
{
    private const string Hostile = "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=1\">";

    public sealed class App : IAsyncLifetime
    {
        public EngineHarness Engine { get; private set; } = null!;

        public DashboardAppHost Host { get; private set; } = null!;

        public string RunId { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Engine = await EngineHarness.CreateAsync();
            await Engine.AddDagAsync("""
                dag_id: hostile
                schedule: null
                tasks:
                  - {id: plain, kind: empty}
                """, unpause: false);
            RunId = (await Engine.CreateRunsAsync("hostile", EngineHarness.RunFor(DagRunType.Manual,
                new Dashboard.Core.Domain.Timetables.DataInterval(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero))))).Keys.Single();
            await using (var db = Engine.CreateContext())
            {
                // What a careless or hostile DAG file and task could put in front of the people who read them.
                await db.ExecuteAsync("UPDATE dag SET description = @text", CancellationToken.None, DbCommands.P("text", Hostile));
                await db.ExecuteAsync("UPDATE dag_task SET task_id = @text", CancellationToken.None, DbCommands.P("text", Hostile));
                await db.ExecuteAsync("UPDATE task_instance SET task_id = @text, state = 'failed', try_number = 1", CancellationToken.None, DbCommands.P("text", Hostile));
                await db.ExecuteAsync("""
                    INSERT INTO task_log (task_instance_id, try_number, logged_at, stream, line)
                    SELECT id, 1, now(), 'stdout', @text FROM task_instance
                    """, CancellationToken.None, DbCommands.P("text", Hostile));
            }

            Host = await DashboardAppHost.StartAsync(Engine.ConnectionString);
        }

        public async Task DisposeAsync()
        {
            await Host.DisposeAsync();
            await Engine.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/dags/hostile/grid")]
    [InlineData("/no-such-page")]
    [InlineData("/healthz")]
    [InlineData("/healthz/live")]
    [InlineData("/healthz/ready")]
    [InlineData("/signin")]
    public async Task Every_response_carries_the_security_headers(string path)
    {
        using var client = await app.Host.CreateSignedInClientAsync(followRedirects: false);

        using var response = await client.GetAsync(path);

        Assert.Equal(SecurityHeaders.ContentSecurityPolicy, Single(response, "Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", SecurityHeaders.ContentSecurityPolicy);
        Assert.Equal("nosniff", Single(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Single(response, "X-Frame-Options"));
        Assert.Equal("same-origin", Single(response, "Referrer-Policy"));
    }

    [Fact]
    public async Task A_script_in_a_dag_description_and_a_task_id_is_shown_as_text()
    {
        using var client = await app.Host.CreateSignedInClientAsync();

        var html = await client.GetStringAsync($"/dags/hostile/grid?run={Uri.EscapeDataString(app.RunId)}&task={Uri.EscapeDataString(Hostile)}");

        Assert.DoesNotContain(Hostile, html);
        Assert.DoesNotContain("<script>window.__xss", html);
        Assert.Contains("&lt;script&gt;window.__xss=1&lt;/script&gt;", html);
    }

    [Fact]
    public async Task A_script_in_a_log_line_is_shown_as_text()
    {
        using var client = await app.Host.CreateSignedInClientAsync();

        using var response = await client.GetAsync(
            $"/dags/hostile/runs/{Uri.EscapeDataString(app.RunId)}/tasks/{Uri.EscapeDataString(Hostile)}?try=1");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("<script>window.__xss", html);
        Assert.DoesNotContain("<img src=x", html);
        Assert.Contains("&lt;img src=x onerror=", html);
    }

    private static string Single(HttpResponseMessage response, string header) =>
        Assert.Single(response.Headers.TryGetValues(header, out var values) ? values : response.Content.Headers.TryGetValues(header, out var content) ? content : []);
}
