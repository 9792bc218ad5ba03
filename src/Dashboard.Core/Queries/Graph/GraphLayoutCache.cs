using System.Collections.Concurrent;
using Dashboard.Core.Dags;

namespace Dashboard.Core.Queries.Graph;

/// <summary>
/// Layouts by DAG version, direction and collapsed groups. A version never changes, so a layout
/// computed once stays exact for every run on it and every state change; only expanding or
/// collapsing a group asks for another. Bounded: past <see cref="MaxLayouts"/> it starts over, as
/// <see cref="DagVersionCache"/> does. Two pages asking for the same layout at once share one computation.
/// </summary>
public sealed class GraphLayoutCache
{
    public const int MaxLayouts = 256;

    private readonly ConcurrentDictionary<string, Lazy<GraphLayout>> _layouts = new(StringComparer.Ordinal);
    private long _computed;

    /// <summary>How many layouts were computed rather than found: what the cache saves is visible to tests and the benchmark.</summary>
    public long Computed => Interlocked.Read(ref _computed);

    public int Count => _layouts.Count;

    public GraphLayout Get(DagVersionModel model, IReadOnlySet<string> collapsed, GraphDirection direction = GraphDirection.LeftToRight)
    {
        // Only the outermost collapsed groups shape the drawing: a group inside a collapsed one, or no group at all, does not.
        var groups = GraphLayouter.GroupIds(model);
        var shaping = groups.Where(g => collapsed.Contains(g) && !GraphLayouter.Prefixes(g).SkipLast(1).Any(collapsed.Contains)).Order(StringComparer.Ordinal);
        var key = $"{model.VersionId}|{direction}|{string.Join('\n', shaping)}";
        if (_layouts.TryGetValue(key, out var found))
        {
            return found.Value;
        }

        if (_layouts.Count >= MaxLayouts)
        {
            _layouts.Clear();
        }

        var lazy = _layouts.GetOrAdd(key, _ => new Lazy<GraphLayout>(() =>
        {
            Interlocked.Increment(ref _computed);
            return GraphLayouter.Compute(model, collapsed, direction);
        }));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A Lazy keeps its exception: drop it, so the next page asks again rather than failing for good.
            _layouts.TryRemove(key, out _);
            throw;
        }
    }

    /// <summary>The layout off the caller's thread: a cold layout of a thousand tasks takes a while, and a page's dispatcher should not wait on it.</summary>
    public Task<GraphLayout> GetAsync(DagVersionModel model, IReadOnlySet<string> collapsed, GraphDirection direction = GraphDirection.LeftToRight) =>
        Task.Run(() => Get(model, collapsed, direction));
}
