// PyramidWorld: chunk-independent and order-independent values, one level = the lattice world, the coarse
// levels add large-scale relief, coarser levels of detail are block means of the finer, bad arguments refused.
using FlowGen.Runtime.Streaming;

namespace FlowGen.Runtime.Tests.Streaming;

public class PyramidWorldTests
{
    private static int Bits(float v) => BitConverter.SingleToInt32Bits(v);

    [Fact]
    public void A_pixel_does_not_depend_on_the_rectangle_that_asks_for_it_at_any_level_of_detail() =>
        WorldChecks.RectangleIndependent(new PyramidWorld(new HashPatchSampler(), seed: 42), [0, 3, 7], parts: 8);

    [Fact]
    public Task Chunks_are_bitwise_identical_whatever_the_request_order_and_thread() =>
        WorldChecks.ChunksOrderIndependent(() => new PyramidWorld(new HashPatchSampler(), 9),
            Enumerable.Range(0, 12).Select(i => new ChunkCoord(i % 4 - 2, i / 4 - 1)).ToArray(), [(2, true), (3, false), (4, true)]);

    [Theory]
    [InlineData(16L << 20)]
    [InlineData(24L << 10)] // 24 KiB: six 32x32 patches, evicting all the time
    public void A_patch_cache_serves_the_same_bits_and_saves_draws(long cacheBytes)
    {
        var plain = new PyramidWorld(new HashPatchSampler(), 21);
        var cached = new PyramidWorld(new HashPatchSampler(), 21, patchCacheBytes: cacheBytes);
        WorldChecks.SameAsUncached(plain, cached, seed: 2, count: 24, extent: 40, maxSide: 90, coarseEvery: 3);
        var (hits, misses) = cached.PatchCacheCounts;
        Assert.True(misses > 0);
        if (cacheBytes > 1 << 20) Assert.True(hits > misses, $"{hits} hits, {misses} misses over overlapping rectangles");
        Assert.Equal((0L, 0L), plain.PatchCacheCounts);
    }

    [Fact]
    public Task Cached_chunks_are_bitwise_identical_whatever_the_request_order_and_thread() =>
        WorldChecks.ChunksOrderIndependent(() => new PyramidWorld(new HashPatchSampler(), 9, patchCacheBytes: 1 << 20),
            Enumerable.Range(0, 12).Select(i => new ChunkCoord(i % 4 - 2, i / 4 - 1)).ToArray(), [(2, true), (3, false), (4, true)]);

    [Fact]
    public void One_level_is_the_lattice_world()
    {
        var a = new float[70 * 50];
        var b = new float[70 * 50];
        new PyramidWorld(new HashPatchSampler(), 3, levels: 1).Fill(-20, 33, 70, 50, 0, a, default);
        new LatticeWorld(new HashPatchSampler(), 3).Fill(-20, 33, 70, 50, 0, b, default);
        Assert.Equal(a.Select(Bits), b.Select(Bits));
    }

    [Fact]
    public void Coarse_levels_add_relief_at_scales_far_beyond_a_patch()
    {
        // Means of 64x64 blocks: a lattice world of zero-mean patches has almost none; the pyramid has far more.
        static double BlockMeanVariance(IWorldSource w)
        {
            const int size = 512, block = 64;
            var v = new float[size * size];
            w.Fill(0, 0, size, size, 0, v, default);
            var means = new List<double>();
            for (int by = 0; by < size; by += block)
                for (int bx = 0; bx < size; bx += block)
                {
                    double s = 0;
                    for (int y = by; y < by + block; y++)
                        for (int x = bx; x < bx + block; x++) s += v[y * size + x];
                    means.Add(s / (block * block));
                }
            double m = means.Average();
            return means.Sum(x => (x - m) * (x - m)) / means.Count;
        }
        double flat = BlockMeanVariance(new PyramidWorld(new HashPatchSampler(), 5, levels: 1));
        double pyramid = BlockMeanVariance(new PyramidWorld(new HashPatchSampler(), 5));
        Assert.True(pyramid > 50 * flat, $"block-mean variance {pyramid} vs {flat} with one level");
    }

    [Fact]
    public void A_coarser_level_of_detail_holds_the_block_means_of_the_finer()
    {
        var world = new PyramidWorld(new HashPatchSampler(), 11);
        Assert.Equal(2 * 4 + 4, world.MaxLod);
        const int n = 24;
        foreach (int lod in new[] { 1, 2, 4 })
        {
            int r = 1 << lod;
            var coarse = new float[n * n];
            world.Fill(3, -7, n, n, lod, coarse, default);
            var fine = new float[n * r * n * r];
            world.Fill(3L * r, -7L * r, n * r, n * r, 0, fine, default);
            double err = 0, energy = 0;
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++)
                {
                    double s = 0;
                    for (int v = 0; v < r; v++)
                        for (int u = 0; u < r; u++) s += fine[(y * r + v) * n * r + x * r + u];
                    double d = s / (r * r) - coarse[y * n + x];
                    err += d * d;
                    energy += coarse[y * n + x] * (double)coarse[y * n + x];
                }
            // Level 0 is averaged exactly; coarser levels are interpolated at the block centre instead of averaged.
            Assert.True(err < 0.05 * energy, $"LOD {lod}: block-mean mismatch {Math.Sqrt(err / energy):P1} of the RMS");
        }
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var s = new HashPatchSampler();
        Assert.Throws<ArgumentOutOfRangeException>(() => new PyramidWorld(s, 1, levels: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PyramidWorld(s, 1, levels: 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PyramidWorld(s, 1, gain: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PyramidWorld(s, 1, factor: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PyramidWorld(s, 1, patchCacheBytes: -1));
        var world = new PyramidWorld(s, 1);
        var d = new float[16];
        Assert.Throws<ArgumentOutOfRangeException>(() => world.Fill(0, 0, 4, 4, world.MaxLod + 1, d, default));
        Assert.Throws<ArgumentOutOfRangeException>(() => world.Fill(0, 0, 4, 4, -1, d, default));
        Assert.Throws<ArgumentOutOfRangeException>(() => world.Fill(world.CoordinateLimit, 0, 4, 4, 0, d, default));
        Assert.Throws<ArgumentOutOfRangeException>(() => world.Fill(world.CoordinateLimit >> 3, 0, 4, 4, 3, d, default));
        Assert.Throws<ArgumentException>(() => world.Fill(0, 0, 5, 4, 0, d, default));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => world.Fill(0, 0, 4, 4, 0, d, cts.Token));
    }
}
