using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Dashboard.Web.Hosting.BlazorScript;

/// <summary>
/// Serves <c>/_framework/blazor.web.js</c>, read from the 9.0 Components.Endpoints assembly that
/// BlazorScript.targets copies to blazor-script/. The 9.0 script speaks the circuit protocol the
/// .NET 10 server expects. This is the whole workaround: delete it with BlazorScript.targets once
/// the package registry serves Microsoft.AspNetCore.App.Internal.Assets.
/// </summary>
public static class BlazorScriptEndpoint
{
    public const string Path = "/_framework/blazor.web.js";
    private const string ResourceName = "_framework/blazor.web.js";

    public static IEndpointConventionBuilder MapBlazorScript(this IEndpointRouteBuilder endpoints)
    {
        var script = Load(System.IO.Path.Combine(AppContext.BaseDirectory, "blazor-script", "Microsoft.AspNetCore.Components.Endpoints.dll"));
        var etag = new EntityTagHeaderValue($"\"{Convert.ToHexString(SHA256.HashData(script))[..16]}\"");

        return endpoints.MapGet(Path, (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=86400";
            context.Response.Headers.ETag = etag.ToString();
            if (context.Request.Headers.IfNoneMatch.ToString() == etag.ToString())
            {
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }

            return Results.Bytes(script, "text/javascript");
        });
    }

    private static byte[] Load(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (metadata.GetString(resource.Name) != ResourceName)
            {
                continue;
            }

            // Embedded resources sit in the CLI header's resource blob: a 4-byte length, then the bytes.
            var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
            var block = pe.GetSectionData(directory.RelativeVirtualAddress).GetReader((int)resource.Offset, directory.Size - (int)resource.Offset);
            var length = block.ReadInt32();
            return block.ReadBytes(length);
        }

        throw new InvalidOperationException($"{assemblyPath} holds no {ResourceName}; the Blazor script cannot be served.");
    }
}
