using Markdig;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Web.Components.Shared;

/// <summary>
/// A note's Markdown as HTML that is safe to insert into the page. Raw HTML in the note is shown as
/// text, never parsed; a link or image survives only when it points to http, https or mailto (anything
/// else, javascript: and data: included, becomes its plain text); images become links, so a note
/// loads nothing from elsewhere. Only extensions that add no way to set attributes are on (no
/// generic attributes, which would allow <c>{onclick=…}</c>).
/// </summary>
public static class NoteMarkdown
{
    private static readonly string[] AllowedSchemes = [Uri.UriSchemeHttp, Uri.UriSchemeHttps, Uri.UriSchemeMailto];

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UseAutoLinks()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseReferralLinks("nofollow", "noopener", "noreferrer")
        .Build();

    public static MarkupString ToMarkup(string? note) => new(ToHtml(note));

    public static string ToHtml(string? note)
    {
        if (string.IsNullOrWhiteSpace(note))
        {
            return "";
        }

        var document = Markdown.Parse(note, Pipeline);
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            Vet(link);
        }

        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            if (!autolink.IsEmail && !IsAllowed(autolink.Url))
            {
                autolink.ReplaceBy(new LiteralInline(autolink.Url));
            }
            else
            {
                OpenElsewhere(autolink);
            }
        }

        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        return writer.ToString();
    }

    /// <summary>An absolute http, https or mailto URL, with nothing a browser would strip before reading the scheme.</summary>
    public static bool IsAllowed(string? url) =>
        url is not null
        && !url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && AllowedSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase);

    private static void Vet(LinkInline link)
    {
        if (!IsAllowed(link.Url))
        {
            // The link's text (an image's alt text) stays; the link goes.
            while (link.FirstChild is { } child)
            {
                child.Remove();
                link.InsertBefore(child);
            }

            link.Remove();
            return;
        }

        if (link.IsImage && link.FirstChild is null)
        {
            link.AppendChild(new LiteralInline(link.Url!));
        }

        link.IsImage = false;
        OpenElsewhere(link);
    }

    /// <summary>A link in a note leaves the dashboard in a new tab, so the page (and a note being written) stays.</summary>
    private static void OpenElsewhere(Inline link) => link.GetAttributes().AddPropertyIfNotExist("target", "_blank");
}
