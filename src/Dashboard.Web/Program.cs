using Dashboard.Web.Cli;
using Dashboard.Web.Hosting;

// The same executable is also the command-line tool: `Dashboard.Web backfill create ...`.
return CliApp.Handles(args)
    ? await CliApp.RunAsync(args)
    : await DashboardWebApplication.RunAsync(args);
