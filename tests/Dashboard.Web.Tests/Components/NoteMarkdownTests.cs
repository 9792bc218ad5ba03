using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Dashboard.Web.Components.Shared;

namespace Dashboard.Web.Tests.Components;

/// <summary>A note's Markdown becomes HTML that runs nothing: no script, no event handler, no link but http, https and mailto.</summary>
public sealed class NoteMarkdownTests
{
    private static readonly HashSet<string> SafeAttributes = ["href", "title", "rel", "target", "style"];

    public static TheoryData<string> Hostile() =>
    [
        "<script>alert(1)</script>",
        "before <script>alert(1)</script> after",
        "<img src=x onerror=alert(1)>",
        "<svg/onload=alert(1)>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<div onclick=\"alert(1)\">click</div>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](  javascript:alert(1)  )",
        "[x](<javascript:alert(1)>)",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml,<svg onload=alert(1)>)",
        "<javascript:alert(1)>",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "[x](https://ok.example/\"onmouseover=\"alert(1))",
        "[x](https://ok.example/ \"title\" onmouseover=alert(1))",
        "**bold**{onclick=alert(1)}",
        "`<script>alert(1)</script>`",
        "```\n<script>alert(1)</script>\n```",
        "<style>body{display:none}</style>",
        "[x](file:///etc/passwd)",
        "[x](/relative/path)",
    ];

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_markdown_renders_nothing_that_runs(string note)
    {
        var html = NoteMarkdown.ToHtml(note);

        var body = new HtmlParser().ParseDocument($"<body>{html}</body>").Body!;
        foreach (var element in body.QuerySelectorAll("*"))
        {
            Assert.DoesNotContain(element.LocalName, new[] { "script", "img", "svg", "iframe", "style", "object", "embed", "form", "input" });
            Assert.All(element.Attributes, a => Assert.Contains(a.Name, SafeAttributes));
            if (element.GetAttribute("href") is { } href)
            {
                Assert.True(NoteMarkdown.IsAllowed(href), $"href {href} in {html}");
            }
        }

        Assert.DoesNotContain("javascript:", body.QuerySelectorAll("[href]").Select(e => e.GetAttribute("href")!), StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Raw_html_is_shown_as_the_text_it_is()
    {
        var body = Parse("<script>alert(1)</script> and <b>bold?</b>");

        Assert.Equal("<script>alert(1)</script> and <b>bold?</b>", body.TextContent.Trim());
    }

    [Fact]
    public void A_refused_link_keeps_its_text()
    {
        var body = Parse("see [the runbook](javascript:alert(1)) first");

        Assert.Empty(body.QuerySelectorAll("a"));
        Assert.Equal("see the runbook first", body.TextContent.Trim());
    }

    [Fact]
    public void Markdown_and_safe_links_render_and_open_in_a_new_tab()
    {
        var body = Parse("""
            **Bad input** from the vendor, see [OPS-12](https://issues.example/OPS-12), mail <oncall@example.com>.

            - retried at `02:00`
            - ~~fixed~~ www.example.com

            ![chart](https://charts.example/x.png)
            """);

        Assert.Equal("Bad input", body.QuerySelector("strong")!.TextContent);
        Assert.Equal(["retried at 02:00", "fixed www.example.com"], body.QuerySelectorAll("li").Select(li => li.TextContent.Trim()));
        Assert.Equal("fixed", body.QuerySelector("li del")!.TextContent);
        var links = body.QuerySelectorAll("a").ToDictionary(a => a.TextContent, a => a);
        Assert.Equal("https://issues.example/OPS-12", links["OPS-12"].GetAttribute("href"));
        Assert.Equal("_blank", links["OPS-12"].GetAttribute("target"));
        Assert.Contains("noopener", links["OPS-12"].GetAttribute("rel"));
        Assert.Equal("mailto:oncall@example.com", links["oncall@example.com"].GetAttribute("href"));
        Assert.Equal("http://www.example.com", links["www.example.com"].GetAttribute("href"));
        // An image is a link to it: a note loads nothing from elsewhere.
        Assert.Empty(body.QuerySelectorAll("img"));
        Assert.Equal("https://charts.example/x.png", links["chart"].GetAttribute("href"));
    }

    [Fact]
    public void No_note_renders_nothing()
    {
        Assert.Equal("", NoteMarkdown.ToHtml(null));
        Assert.Equal("", NoteMarkdown.ToHtml("  \n "));
    }

    private static IElement Parse(string note) => new HtmlParser().ParseDocument($"<body>{NoteMarkdown.ToHtml(note)}</body>").Body!;
}
