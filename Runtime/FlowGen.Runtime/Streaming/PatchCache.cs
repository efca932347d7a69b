// A bounded LRU cache of lattice patches for multi-scale worlds. A patch is a pure function of its world seed and
// lattice index (and, for a detail level, of the coarse world under it), so serving it from the cache changes no bit
// of any output; it only saves the flow the work when neighbouring requests share patches. They share most
// coarse-level patches (a 256² chunk of the default world reads about 160, most of which its neighbours read too)
// and the detail patches along their common border (14 of a chunk's 105). Misses of one batched call are drawn in
// one batched call over their bounding grid (the flow returns the same bits for a patch in any batch), so a camera
// crossing into new ground draws a strip at once.
namespace FlowGen.Runtime.Streaming;

/// <summary>Patches keyed by (world seed, lattice column, lattice row), least recently used dropped beyond a byte budget. Thread-safe.</summary>
internal sealed class PatchCache
{
    private readonly record struct Key(ulong Seed, int I, int J);

    private readonly long _budget;
    private readonly object _lock = new();
    private readonly Dictionary<Key, LinkedListNode<(Key Key, float[] Values)>> _map = new();
    private readonly LinkedList<(Key Key, float[] Values)> _lru = new(); // most recently used first
    private long _bytes;
    private long _hits, _misses;

    /// <summary>A cache holding at most <paramref name="budgetBytes"/> bytes of patch values.</summary>
    public PatchCache(long budgetBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(budgetBytes);
        _budget = budgetBytes;
    }

    /// <summary>Patches served from the cache and drawn, since creation.</summary>
    public (long Hits, long Misses) Counts
    {
        get
        {
            lock (_lock) return (_hits, _misses);
        }
    }

    /// <summary>Writes lattice rows <paramref name="j"/>.. (<paramref name="rows"/> of them), columns <paramref name="i0"/>.. (<paramref name="count"/>),
    /// of world <paramref name="seed"/> into <paramref name="patches"/>, drawing the missing ones through <paramref name="draw"/>.</summary>
    public void Fill(Span<float> patches, ulong seed, int j, int i0, int count, int rows, int patchLength, LatticeBlend.RowSource draw)
    {
        int mi0 = int.MaxValue, mi1 = int.MinValue, mj0 = int.MaxValue, mj1 = int.MinValue, missing = 0;
        var found = new bool[count * rows];
        lock (_lock)
        {
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < count; c++)
                {
                    if (_map.TryGetValue(new Key(seed, i0 + c, j + r), out var node))
                    {
                        _lru.Remove(node);
                        _lru.AddFirst(node);
                        node.Value.Values.CopyTo(patches.Slice((r * count + c) * patchLength, patchLength));
                        found[r * count + c] = true;
                        continue;
                    }
                    missing++;
                    (mi0, mi1) = (Math.Min(mi0, c), Math.Max(mi1, c));
                    (mj0, mj1) = (Math.Min(mj0, r), Math.Max(mj1, r));
                }
            _hits += count * rows - missing;
            _misses += missing;
        }
        if (missing == 0) return;
        int bw = mi1 - mi0 + 1, bh = mj1 - mj0 + 1;
        using var drawnBuffer = new ScratchBuffer(checked(bw * bh * patchLength), clear: false);
        var drawn = drawnBuffer.Span;
        draw(drawn, j + mj0, i0 + mi0, bw, bh);
        lock (_lock)
        {
            for (int r = 0; r < bh; r++)
                for (int c = 0; c < bw; c++)
                {
                    int slot = (mj0 + r) * count + mi0 + c;
                    if (found[slot]) continue;
                    var values = drawn.Slice((r * bw + c) * patchLength, patchLength);
                    values.CopyTo(patches.Slice(slot * patchLength, patchLength));
                    var key = new Key(seed, i0 + mi0 + c, j + mj0 + r);
                    if (_map.ContainsKey(key)) continue; // another thread drew it meanwhile: the same bits
                    _map.Add(key, _lru.AddFirst((key, values.ToArray())));
                    _bytes += (long)patchLength * sizeof(float);
                }
            while (_bytes > _budget && _lru.Last is { } oldest)
            {
                _lru.RemoveLast();
                _map.Remove(oldest.Value.Key);
                _bytes -= (long)oldest.Value.Values.Length * sizeof(float);
            }
        }
    }
}
