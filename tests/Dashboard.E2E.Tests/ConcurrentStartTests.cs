using System.Diagnostics;
using System.Net;
using Dashboard.Core.Persistence;
using Dashboard.Testing;
using Dashboard.Web.Security;
using Microsoft.EntityFrameworkCore;

namespace Dashboard.E2E.Tests;

/// <summary>
/// Several app processes started at once on one empty database: all of them serve, one admin
/// exists, and one warehouse connection (from ConnectionStrings:Warehouse).
/// </summary>
public sealed class ConcurrentStartTests
{
    private const int Instances = 4;

    [Fact]
    public async Task Instances_starting_together_on_an_empty_database_all_serve_and_create_one_admin_and_one_warehouse_connection()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync(migrated: false);
        var warehouse = "Host=warehouse.example.com;Port=5433;Database=analytics;Username=loader;Password=loader-secret";
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings__Dashboard"] = connectionString,
            ["ConnectionStrings__Warehouse"] = warehouse,
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

            await using var dashboard = new DashboardDbContext(DashboardDatabase.Options(connectionString));
            var connection = await dashboard.Connections.SingleAsync();
            Assert.Equal(("warehouse", "postgres", "warehouse.example.com", 5433, "analytics", "loader"),
                (connection.ConnId, connection.ConnType, connection.Host, connection.Port, connection.Schema, connection.Login));
            Assert.Equal(1, await dashboard.AuditLog.CountAsync(a => a.Action == "connection.create"));
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
