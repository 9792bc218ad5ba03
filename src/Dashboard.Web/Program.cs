using Dashboard.Web.Hosting;

return await DashboardWebApplication.RunAsync(args);
