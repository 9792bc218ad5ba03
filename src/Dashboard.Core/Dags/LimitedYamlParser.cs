using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Dashboard.Core.Dags;

/// <summary>
/// YamlDotNet's parser with limits checked on every event, before the document is built: nodes
/// (an alias counts as every node it repeats, so a "billion laughs" file stops within the limit
/// instead of growing in whatever walks it later), aliases, nesting depth (an alias adds the depth
/// of what it repeats) and text PostgreSQL cannot store (NUL, unpaired surrogates, from escapes such as "\0").
/// An alias must name a node that is complete, so no document can contain itself.
/// </summary>
internal sealed class LimitedYamlParser(IParser parser, DagFileLimits limits) : IParser
{
    private readonly List<Frame> _open = [];
    private readonly Dictionary<string, (long Nodes, int Height)> _anchors = new(StringComparer.Ordinal);
    private readonly HashSet<string> _openAnchors = new(StringComparer.Ordinal);
    private long _nodes;
    private int _aliases;

    public ParsingEvent? Current => parser.Current;

    public bool MoveNext()
    {
        if (!parser.MoveNext())
        {
            return false;
        }

        switch (parser.Current)
        {
            case DocumentStart:
                // Anchors belong to their document.
                _anchors.Clear();
                break;
            case Scalar scalar:
                CheckText(scalar.Value, scalar);
                Add(scalar, 1, 0);
                Complete(scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value, 1, 0);
                break;
            case AnchorAlias alias:
                if (++_aliases > limits.MaxYamlAliases)
                {
                    throw Exceeded(alias, $"the file has more than {limits.MaxYamlAliases:N0} aliases", nameof(limits.MaxYamlAliases));
                }

                if (!_anchors.TryGetValue(alias.Value.Value, out var repeated))
                {
                    throw new DagFileLimitException(alias.Start, alias.End, _openAnchors.Contains(alias.Value.Value)
                        ? $"alias *{alias.Value} is inside the node it names, which would repeat forever"
                        : $"alias *{alias.Value} names no anchor before it");
                }

                Add(alias, repeated.Nodes, repeated.Height);
                break;
            case NodeEvent start when start is MappingStart or SequenceStart:
                Add(start, 1, 1);
                _open.Add(new Frame(start.Anchor.IsEmpty ? null : start.Anchor.Value, _nodes - 1));
                if (start.Anchor is { IsEmpty: false } anchor)
                {
                    _openAnchors.Add(anchor.Value);
                }

                break;
            case MappingEnd or SequenceEnd when _open.Count > 0:
                var frame = _open[^1];
                _open.RemoveAt(_open.Count - 1);
                if (frame.Anchor is { } name)
                {
                    _openAnchors.Remove(name);
                }

                Complete(frame.Anchor, _nodes - frame.NodesBefore, frame.Height);
                break;
        }

        return true;
    }

    public void Consume() => throw new NotSupportedException();

    /// <summary>
    /// Counts <paramref name="nodes"/> nodes placed in the innermost open node, nesting <paramref name="height"/>
    /// mappings and lists deep (0 for a value).
    /// </summary>
    private void Add(ParsingEvent at, long nodes, int height)
    {
        _nodes += nodes;
        if (_nodes > limits.MaxYamlNodes)
        {
            throw Exceeded(at, $"the file has more than {limits.MaxYamlNodes:N0} YAML nodes, counting each alias as the nodes it repeats", nameof(limits.MaxYamlNodes));
        }

        if (_open.Count + height > limits.MaxYamlDepth)
        {
            throw Exceeded(at, $"mappings and lists nest more than {limits.MaxYamlDepth} deep", nameof(limits.MaxYamlDepth));
        }

        if (_open.Count > 0)
        {
            _open[^1].Height = Math.Max(_open[^1].Height, height + 1);
        }
    }

    private void Complete(string? anchor, long nodes, int height)
    {
        if (anchor is not null)
        {
            _anchors[anchor] = (nodes, height);
        }
    }

    private static void CheckText(string value, ParsingEvent at)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '\0')
            {
                throw new DagFileLimitException(at.Start, at.End, "a value holds a NUL character (\\0), which cannot be stored; remove it");
            }

            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                throw new DagFileLimitException(at.Start, at.End, $"a value holds \\u{(int)value[i]:X4}, half of a surrogate pair, which is not a character; remove it");
            }
        }
    }

    private static DagFileLimitException Exceeded(ParsingEvent at, string problem, string setting) =>
        new(at.Start, at.End, $"{problem} (the limit is the setting Dags:{setting})");

    private sealed class Frame(string? anchor, long nodesBefore)
    {
        public string? Anchor { get; } = anchor;

        public long NodesBefore { get; } = nodesBefore;

        public int Height { get; set; } = 1;
    }
}

/// <summary>A limit of <see cref="DagFileLimits"/> or a value that cannot be stored, found while the YAML is read.</summary>
internal sealed class DagFileLimitException(Mark start, Mark end, string problem) : YamlException(start, end, problem)
{
    public string Problem { get; } = problem;
}
