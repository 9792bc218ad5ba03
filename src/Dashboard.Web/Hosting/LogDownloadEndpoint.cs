using System.Globalization;
using System.Text;
using Dashboard.Core.Persistence;
using Dashboard.Core.Queries;

namespace Dashboard.Web.Hosting;

/// <summary>
/// A try's whole log as a text file: <c>/dags/{dag}/runs/{run}/tasks/{task}/log.txt?try=N</c> (the
/// latest try without it). Signed-in users only, like every page; each line is the time, the stream
/// and the text, as the log viewer shows them.
/// </summary>
public static class LogDownloadEndpoint
{
    public static IEndpointConventionBuilder MapLogDownload(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/dags/{dagId}/runs/{runId}/tasks/{taskId}/log.txt", async (string dagId, string runId, string taskId, int? @try, TaskLogQuery query, CancellationToken ct) =>
        {
            var log = await query.GetAsync(dagId, runId, taskId, @try, ct: ct);
            if (log?.ShownTry is not { } shown)
            {
                return Results.NotFound();
            }

            var text = new StringBuilder();
            foreach (var line in log.Lines)
            {
                text.Append(line.LoggedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
                    .Append(' ').Append(SnakeCase.ToSnakeCase(line.Stream).PadRight(6)).Append(' ').Append(line.Line).Append('\n');
            }

            // A safe file name whatever the ids hold: letters, digits, '.', '-' and '_' only.
            var name = string.Concat($"{dagId}_{runId}_{taskId}_try{shown}.log".Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_'));
            return Results.File(Encoding.UTF8.GetBytes(text.ToString()), "text/plain; charset=utf-8", name);
        });
}
