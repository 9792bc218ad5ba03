using System.Text.Json.Nodes;
using Dashboard.Core.Connections;
using Dashboard.Core.Security;

namespace Dashboard.Web.Cli.Commands;

/// <summary>Connections or variables: what <c>export</c> and <c>import</c> work on, through that kind's service.</summary>
internal sealed record ConfigKind(
    string Noun,
    string Plural,
    Func<IServiceProvider, Actor, bool, CancellationToken, Task<JsonObject>> ExportAsync,
    Func<IServiceProvider, Actor, string, CancellationToken, Task<ImportResult>> ImportAsync)
{
    public static readonly ConfigKind Connections = new("connection", "connections",
        (services, actor, includeSecrets, ct) => services.GetRequiredService<ConnectionService>().ExportAsync(actor, includeSecrets, ct),
        (services, actor, json, ct) => services.GetRequiredService<ConnectionService>().ImportAsync(actor, json, ct: ct));

    public static readonly ConfigKind Variables = new("variable", "variables",
        (services, actor, includeSecrets, ct) => services.GetRequiredService<VariableService>().ExportAsync(actor, includeSecrets, ct),
        (services, actor, json, ct) => services.GetRequiredService<VariableService>().ImportAsync(actor, json, ct: ct));

    public string Count(int count) => CliText.Count(count, Noun);
}
