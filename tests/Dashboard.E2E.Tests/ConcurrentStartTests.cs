using System.Diagnostics;
using System.Net;
using Dashboard.Testing;
using Dashboard.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.E2E.Tests;

/// <summary>Several app processes started at once on one empty database: all of them serve, and one admin exists.</summary>
public sealed class ConcurrentStartTests
{
    private const int Instances = 4;

    [Fact]
    public async Task Instances_starting_together_on_an_empty_database_all_serve_and_create_one_admin()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(migrated: false);
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Dashboard"] = connectionString,
            ["Dashboard__AdminPassword"] = DashboardAppHost.AdminPassword,
            // The engine is beside the point here, and its DAG-file processors would race over the example DAGs.
            ["Scheduler__Enabled"] = "false",
            ["Executor__Enabled"] = "false",
        };
        var apps = Enumerable.Range(0, Instances)
            .Select(i => AppProcess.Start(TestPostgres.ScratchDirectory($"together-{i}"), settings))
            .ToList();
        try
        {
            var addresses = await Task.WhenAll(apps.Select(app => app.WaitUntilListeningAsync()));

            foreach (var address in addresses)
            {
                using var client = new HttpClient { BaseAddress = address };
                await WaitUntilHealthyAsync(client);
                Assert.Contains("Sign in", await client.GetStringAsync("/signin"));
            }

            await using var db = new SecurityDbContext(SecurityDbContext.Options(connectionString));
            Assert.Equal([FirstRunAdmin.UserName], await db.Users.Select(u => u.UserName).ToListAsync());
            Assert.Equal(1, await db.UserRoles.CountAsync());
        }
        finally
        {
            foreach (var app in apps)
            {
                await app.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Until /healthz says healthy. Its database check gives up after 3 s, which the first request
    /// to an app that has just started can take on a busy machine, so one 503 is no failure; a
    /// database that never answers is.
    /// </summary>
    private static Task WaitUntilHealthyAsync(HttpClient client) =>
        Eventually.HoldsAsync(async () =>
        {
            using var health = await client.GetAsync("/healthz");
            return health.StatusCode == HttpStatusCode.OK;
        }, $"{client.BaseAddress}healthz answers healthy");
}
