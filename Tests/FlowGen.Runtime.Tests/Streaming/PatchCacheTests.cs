// PatchCache on its own: the values of a patch drawn once come back bitwise from the cache, the least recently used
// patches go first once the byte budget's slots (here more than one page of 256) are full, a budget below one patch
// caches nothing, and a cache refuses patches of another length than its first.
using FlowGen.Runtime.Streaming;

namespace FlowGen.Runtime.Tests.Streaming;

public class PatchCacheTests
{
    private const int Length = 4; // floats per patch

    // Patch (i, j) of seed s holds s·1e6 + j·1e3 + i + t/10 in element t; Drawn counts what the "flow" was asked for.
    private sealed class Source(ulong seed)
    {
        public int Drawn;

        public void Draw(Span<float> patches, int j, int first, int count, int rows)
        {
            Drawn += count * rows;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < count; c++)
                    for (int t = 0; t < Length; t++)
                        patches[((r * count) + c) * Length + t] = Value(seed, first + c, j + r, t);
        }
    }

    private static float Value(ulong seed, int i, int j, int t) => seed * 1e6f + j * 1e3f + i + t / 10f;

    private static void Request(PatchCache cache, Source source, ulong seed, int j, int i0, int count, int rows)
    {
        var patches = new float[count * rows * Length];
        cache.Fill(patches, seed, j, i0, count, rows, Length, source.Draw);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < count; c++)
                for (int t = 0; t < Length; t++)
                    Assert.Equal(Value(seed, i0 + c, j + r, t), patches[((r * count) + c) * Length + t]);
    }

    [Fact]
    public void Serves_the_drawn_bits_and_evicts_the_least_recently_used_past_its_slots()
    {
        var cache = new PatchCache(300 * Length * sizeof(float)); // 300 slots: a full page of 256 and part of a second
        var source = new Source(3);
        for (int j = 0; j < 20; j++) Request(cache, source, 3, j, -10, 20, 1); // 400 patches, rows 0..19
        Assert.Equal(400, source.Drawn);
        Assert.Equal((0L, 400L), cache.Counts);
        Request(cache, source, 3, 5, -10, 20, 15);                           // rows 5..19: the 300 most recent
        Assert.Equal(400, source.Drawn);
        Assert.Equal((300L, 400L), cache.Counts);
        Request(cache, source, 3, 0, -10, 20, 1);                            // row 0 was evicted: drawn again
        Assert.Equal(420, source.Drawn);
        Request(cache, source, 3, 0, -10, 20, 1);
        Assert.Equal(420, source.Drawn);
        var other = new Source(4);
        Request(cache, other, 4, 0, -10, 20, 1);                             // another seed is another patch
        Assert.Equal(20, other.Drawn);
        Request(cache, source, 3, 0, -10, 20, 1);                            // and evicted none of row 0 (the most recent)
        Assert.Equal(420, source.Drawn);
    }

    [Fact]
    public void Misses_are_drawn_in_one_call_over_their_bounding_grid()
    {
        var cache = new PatchCache(1 << 20);
        var source = new Source(1);
        Request(cache, source, 1, 0, 0, 3, 3);     // the middle patch (1, 1) among them
        Request(cache, source, 1, -1, -1, 5, 5);   // 16 new around the cached 3x3: one call over the whole 5x5
        Assert.Equal(9 + 25, source.Drawn);
        Assert.Equal((9L, 9L + 16L), cache.Counts);
    }

    [Fact]
    public void A_budget_below_one_patch_caches_nothing()
    {
        var cache = new PatchCache(Length * sizeof(float) - 1);
        var source = new Source(2);
        Request(cache, source, 2, 0, 0, 4, 2);
        Request(cache, source, 2, 0, 0, 4, 2);
        Assert.Equal(16, source.Drawn);
        Assert.Equal((0L, 16L), cache.Counts);
    }

    [Fact]
    public void Refuses_patches_of_another_length()
    {
        var cache = new PatchCache(1 << 20);
        Request(cache, new Source(1), 1, 0, 0, 2, 1);
        var other = new float[2 * 9];
        Assert.Throws<ArgumentException>(() => cache.Fill(other, 1, 0, 0, 2, 1, 9, (p, j, i, c, r) => { }));
    }
}
