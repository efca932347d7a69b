// A bounded LRU cache of lattice patches for multi-scale worlds. A patch is a pure function of its world seed and
// lattice index (and, for a detail level, of the coarse world under it), so serving it from the cache changes no bit
// of any output; it only saves the flow the work when neighbouring requests share patches. They share most
// coarse-level patches (a 256² chunk of the default world reads about 160, most of which its neighbours read too)
// and the detail patches along their common border (14 of a chunk's 105). Misses of one batched call are drawn in
// one batched call over their bounding grid (the flow returns the same bits for a patch in any batch), so a camera
// crossing into new ground draws a strip at once. Patches live in fixed slots of pages allocated as the cache fills,
// linked in LRU order by slot index: once warm, a call allocates nothing (a chunk used to allocate ~400 KB of small
// arrays here, a share of its GC and page-fault time).
namespace FlowGen.Runtime.Streaming;

/// <summary>Patches keyed by (world seed, lattice column, lattice row), least recently used dropped beyond a byte budget. Thread-safe.</summary>
internal sealed class PatchCache
{
    private readonly record struct Key(ulong Seed, int I, int J);

    private const int PageSlots = 256;
    private readonly long _budget;
    private readonly object _lock = new();
    private readonly Dictionary<Key, int> _map = new();
    private int _slotLength = -1;       // floats per patch, fixed by the first call
    private int _capacity;              // slots within the budget
    private float[][] _pages = [];      // PageSlots slots each, allocated as the cache fills
    private Key[] _keys = [];
    private int[] _prev = [], _next = []; // LRU list by slot index, most recently used at _head; -1 ends it
    private int _head = -1, _tail = -1, _used;
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
    /// of world <paramref name="seed"/> into <paramref name="patches"/>, drawing the missing ones through <paramref name="draw"/>.
    /// Every call on one cache uses the same <paramref name="patchLength"/>.</summary>
    public void Fill(Span<float> patches, ulong seed, int j, int i0, int count, int rows, int patchLength, LatticeBlend.RowSource draw)
    {
        int mi0 = int.MaxValue, mi1 = int.MinValue, mj0 = int.MaxValue, mj1 = int.MinValue, missing = 0, n = checked(count * rows);
        Span<bool> found = n <= 4096 ? stackalloc bool[n] : new bool[n];
        found.Clear();
        lock (_lock)
        {
            if (_slotLength < 0)
            {
                ArgumentOutOfRangeException.ThrowIfNegativeOrZero(patchLength);
                _slotLength = patchLength;
                _capacity = (int)Math.Min(1 << 24, _budget / ((long)patchLength * sizeof(float)));
            }
            else if (patchLength != _slotLength)
                throw new ArgumentException($"this cache holds patches of {_slotLength} floats, not {patchLength}", nameof(patchLength));
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < count; c++)
                {
                    if (_map.TryGetValue(new Key(seed, i0 + c, j + r), out int slot))
                    {
                        Touch(slot);
                        Slot(slot).CopyTo(patches.Slice((r * count + c) * patchLength, patchLength));
                        found[r * count + c] = true;
                        continue;
                    }
                    missing++;
                    (mi0, mi1) = (Math.Min(mi0, c), Math.Max(mi1, c));
                    (mj0, mj1) = (Math.Min(mj0, r), Math.Max(mj1, r));
                }
            _hits += n - missing;
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
                    int at = (mj0 + r) * count + mi0 + c;
                    if (found[at]) continue;
                    var values = drawn.Slice((r * bw + c) * patchLength, patchLength);
                    values.CopyTo(patches.Slice(at * patchLength, patchLength));
                    var key = new Key(seed, i0 + mi0 + c, j + mj0 + r);
                    if (_capacity == 0 || _map.ContainsKey(key)) continue; // another thread drew it meanwhile: the same bits
                    int slot = Allocate();
                    _keys[slot] = key;
                    _map.Add(key, slot);
                    values.CopyTo(Slot(slot));
                }
        }
    }

    private Span<float> Slot(int slot) => _pages[slot / PageSlots].AsSpan(slot % PageSlots * _slotLength, _slotLength);

    // A slot for a new patch at the head of the LRU list: a fresh one while under capacity, else the least recently used.
    private int Allocate()
    {
        int slot;
        if (_used < _capacity)
        {
            slot = _used++;
            if (slot / PageSlots >= _pages.Length)
            {
                Array.Resize(ref _pages, _pages.Length + 1);
                _pages[^1] = new float[(long)Math.Min(PageSlots, _capacity - slot) * _slotLength];
            }
            if (slot >= _keys.Length)
            {
                // Slot bookkeeping grows by doubling as the cache fills, not at once: a large budget costs memory only when used.
                int size = (int)Math.Min(_capacity, Math.Max(PageSlots, 2L * _keys.Length));
                Array.Resize(ref _keys, size);
                Array.Resize(ref _prev, size);
                Array.Resize(ref _next, size);
            }
        }
        else
        {
            slot = _tail;
            Unlink(slot);
            _map.Remove(_keys[slot]);
        }
        LinkFirst(slot);
        return slot;
    }

    private void Touch(int slot)
    {
        if (slot == _head) return;
        Unlink(slot);
        LinkFirst(slot);
    }

    private void Unlink(int slot)
    {
        int p = _prev[slot], q = _next[slot];
        if (p >= 0) _next[p] = q; else _head = q;
        if (q >= 0) _prev[q] = p; else _tail = p;
    }

    private void LinkFirst(int slot)
    {
        _prev[slot] = -1;
        _next[slot] = _head;
        if (_head >= 0) _prev[_head] = slot;
        _head = slot;
        if (_tail < 0) _tail = slot;
    }
}
