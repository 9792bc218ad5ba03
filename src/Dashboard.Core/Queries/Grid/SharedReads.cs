using System.Collections.Concurrent;

namespace Dashboard.Core.Queries.Grid;

/// <summary>
/// Reads shared by everyone in the app instance: a value is read once however many callers ask for
/// it at the same time, and kept until <see cref="Remove"/> says a change made it stale or it is the
/// least recently used one over the size budget.
/// </summary>
/// <remarks>
/// Staleness is by removal, not by checking: a change is removed synchronously before anyone hears
/// of it, so every read asked for after that starts after the change was committed. A read that was
/// already running may finish with the older value for those who asked before; they hear of the
/// change next and ask again. A failed read is forgotten, so the next caller tries again.
/// </remarks>
internal sealed class SharedReads<TKey, TValue>(Func<TValue, long> sizeOf, long budget)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, Entry> _entries = new();
    private long _clock;

    /// <summary>The value for <paramref name="key"/>, reading it with <paramref name="read"/> only when no one has or is.</summary>
    public async Task<TValue> GetAsync(TKey key, Func<TKey, Task<TValue>> read) =>
        (await GetManyAsync([key], async keys => new Dictionary<TKey, TValue> { [keys[0]] = await read(keys[0]) }))[key];

    /// <summary>
    /// The values for <paramref name="keys"/>: those cached or being read are shared, and all the
    /// others are read together by one call of <paramref name="readMissing"/>, which must return a
    /// value for every key it is given.
    /// </summary>
    public async Task<Dictionary<TKey, TValue>> GetManyAsync(IReadOnlyList<TKey> keys, Func<IReadOnlyList<TKey>, Task<Dictionary<TKey, TValue>>> readMissing)
    {
        var found = new Dictionary<TKey, Task<TValue>>(keys.Count);
        List<(TKey Key, Entry Entry)>? mine = null;
        foreach (var key in keys)
        {
            if (found.ContainsKey(key))
            {
                continue;
            }

            while (true)
            {
                if (_entries.TryGetValue(key, out var existing))
                {
                    existing.LastUsed = Interlocked.Increment(ref _clock);
                    found[key] = existing.Value.Task;
                    break;
                }

                var entry = new Entry { LastUsed = Interlocked.Increment(ref _clock) };
                if (_entries.TryAdd(key, entry))
                {
                    (mine ??= []).Add((key, entry));
                    found[key] = entry.Value.Task;
                    break;
                }
            }
        }

        if (mine is not null)
        {
            await FillAsync(mine, readMissing);
        }

        var values = new Dictionary<TKey, TValue>(found.Count);
        foreach (var (key, task) in found)
        {
            values[key] = await task;
        }

        return values;
    }

    private async Task FillAsync(List<(TKey Key, Entry Entry)> mine, Func<IReadOnlyList<TKey>, Task<Dictionary<TKey, TValue>>> readMissing)
    {
        try
        {
            var read = await readMissing(mine.Select(m => m.Key).ToList());
            foreach (var (key, entry) in mine)
            {
                var value = read[key];
                entry.Size = sizeOf(value);
                entry.Value.SetResult(value);
            }
        }
        catch (Exception e)
        {
            foreach (var (key, entry) in mine)
            {
                _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry));
                entry.Value.TrySetException(e);
            }
        }

        Trim();
    }

    /// <summary>Forgets the value for <paramref name="key"/>: the next caller reads it again.</summary>
    public void Remove(TKey key) => _entries.TryRemove(key, out _);

    public void RemoveWhere(Func<TKey, bool> stale)
    {
        foreach (var key in _entries.Keys)
        {
            if (stale(key))
            {
                Remove(key);
            }
        }
    }

    public void Clear() => RemoveWhere(_ => true);

    /// <summary>Over budget, drops the least recently used values down to three quarters of it.</summary>
    private void Trim()
    {
        var held = _entries.Where(e => e.Value.Value.Task.IsCompletedSuccessfully).ToList();
        var size = held.Sum(e => e.Value.Size);
        if (size <= budget)
        {
            return;
        }

        foreach (var (key, entry) in held.OrderBy(e => e.Value.LastUsed))
        {
            if (size <= budget * 3 / 4)
            {
                break;
            }

            if (_entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry)))
            {
                size -= entry.Size;
            }
        }
    }

    private sealed class Entry
    {
        public TaskCompletionSource<TValue> Value { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public long LastUsed { get; set; }

        public long Size { get; set; }
    }
}
