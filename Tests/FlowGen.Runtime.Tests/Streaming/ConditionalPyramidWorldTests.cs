// ConditionalPyramidWorld: values independent of the rectangle, the request order and threads; with no detail, every
// level is the Catmull-Rom upsampling of the one above it (checked against an independent cubic-convolution formula,
// so the pixel-centre alignment the detail model was trained with holds); the detail lattice laid at its phase off the
// coarse grid; a level of detail 2m is level m, and past the detail levels the coarse world itself; bad arguments refused.
using FlowGen.Runtime.Streaming;

namespace FlowGen.Runtime.Tests.Streaming;

public class ConditionalPyramidWorldTests
{
    private static int Bits(float v) => BitConverter.SingleToInt32Bits(v);

    /// <summary>Hash noise plus a little of the context, so a context computed differently for another rectangle shows.</summary>
    private sealed class HashDetailSampler(float noise = 1f, float contextWeight = 0.05f, double pixel = 22.5, int? trainedPhase = null,
        double drawCorrelation = 0, bool phaseBaked = false) : IDetailSampler
    {
        public bool ContextPhaseBaked => phaseBaked;
        public int PatchSize => 32;
        public int ContextFactor => 4;
        public double PixelSizeMetres => pixel;
        public int? ContextPhase => trainedPhase;
        public double DrawCorrelation => drawCorrelation;

        public void SampleRows(Span<float> destination, ReadOnlySpan<float> context, ulong seed, long firstIndex, int count, int rows, long rowStride,
            CancellationToken cancellationToken)
        {
            int pp = PatchSize * PatchSize;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < count; c++)
                {
                    int k = r * count + c;
                    for (int e = 0; e < pp; e++)
                        destination[k * pp + e] = noise * HashPatchSampler.Value(seed, firstIndex + r * rowStride + c, e) + contextWeight * context[k * pp + e];
                }
        }
    }

    // The coarse world: a 3-level pyramid of hash patches at 90 m, under detailLevels levels of 90 / 4^n m detail.
    private static ConditionalPyramidWorld World(ulong seed, int detailLevels = 1, float noise = 1f, float contextWeight = 0.05f, int? overlap = null,
        long cacheBytes = 0) =>
        new(new PyramidWorld(new HashPatchSampler(), seed + 100, levels: 3, patchCacheBytes: cacheBytes), new HashDetailSampler(noise, contextWeight, 90 / Math.Pow(4, detailLevels)),
            seed, detailLevels, overlap: overlap, patchCacheBytes: cacheBytes);

    [Theory]
    [InlineData(16L << 20)]
    [InlineData(16L << 10)] // four detail patches: evicting all the time
    public void Patch_caches_serve_the_same_bits(long cacheBytes)
    {
        var plain = World(31, detailLevels: 2);
        var cached = World(31, detailLevels: 2, cacheBytes: cacheBytes);
        WorldChecks.SameAsUncached(plain, cached, seed: 4, count: 20, extent: 60, maxSide: 100, coarseEvery: 4);
        var (hits, misses) = cached.PatchCacheCounts;
        Assert.True(misses > 0);
        if (cacheBytes > 1 << 20) Assert.True(hits > 0);
    }

    [Fact]
    public Task Cached_chunks_are_bitwise_identical_whatever_the_request_order_and_thread() =>
        WorldChecks.ChunksOrderIndependent(() => World(9, detailLevels: 2, cacheBytes: 1 << 20),
            Enumerable.Range(0, 9).Select(i => new ChunkCoord(i % 3 - 1, i / 3 - 1)).ToArray(), [(2, true), (3, false)]);

    [Theory]
    [InlineData(null)]
    [InlineData(16)]
    [InlineData(8)]
    public void A_pixel_does_not_depend_on_the_rectangle_that_asks_for_it_at_any_level_of_detail(int? overlap)
    {
        var world = World(42, detailLevels: 2, overlap: overlap);
        Assert.Equal(overlap ?? 4, world.Overlap); // default: an eighth of the 32-pixel patch, one coarse pixel
        Assert.Equal(2 * 2 + new PyramidWorld(new HashPatchSampler(), 1, levels: 3).MaxLod, world.MaxLod);
        WorldChecks.RectangleIndependent(world, [0, 1, 2, 3, 5, 9], parts: 6, big => Assert.All(big, v => Assert.True(float.IsFinite(v))));
    }

    [Theory]
    [InlineData(32, 4, 4)]
    [InlineData(16, 4, 4)]
    [InlineData(32, 8, 8)]
    [InlineData(64, 4, 8)]
    [InlineData(128, 4, 16)]
    public void The_default_overlap_is_an_eighth_of_a_patch_in_whole_coarse_pixels(int patch, int factor, int expected) =>
        Assert.Equal(expected, ConditionalPyramidWorld.DefaultOverlap(patch, factor));

    [Fact]
    public Task Chunks_are_bitwise_identical_whatever_the_request_order_and_thread() =>
        WorldChecks.ChunksOrderIndependent(() => World(9, detailLevels: 2),
            Enumerable.Range(0, 9).Select(i => new ChunkCoord(i % 3 - 1, i / 3 - 1)).ToArray(), [(2, true), (3, false)]);

    [Fact]
    public void Past_the_detail_levels_the_coarse_world_serves_its_own_levels_of_detail()
    {
        var coarse = new PyramidWorld(new HashPatchSampler(), 7, levels: 3);
        var world = new ConditionalPyramidWorld(coarse, new HashDetailSampler(), 3);
        foreach (int lod in new[] { 2, 3, 5 })
        {
            var a = new float[70 * 50];
            var b = new float[70 * 50];
            world.Fill(-20, 33, 70, 50, lod, a, default);
            coarse.Fill(-20, 33, 70, 50, lod - 2, b, default);
            Assert.Equal(a.Select(Bits), b.Select(Bits));
        }
    }

    // Catmull-Rom as cubic convolution (a = -1/2) of the coarse samples, evaluated where the fine pixel centre falls.
    private static double Kernel(double d)
    {
        d = Math.Abs(d);
        return d < 1 ? 1.5 * d * d * d - 2.5 * d * d + 1 : d < 2 ? -0.5 * d * d * d + 2.5 * d * d - 4 * d + 2 : 0;
    }

    [Fact]
    public void Without_detail_a_level_is_the_upsampled_level_above_it_with_pixel_centres_aligned()
    {
        // No noise and no context term: level 0 must be exactly the context, the Catmull-Rom upsampling of level 1 (= lod 2).
        var world = World(7, detailLevels: 1, noise: 0, contextWeight: 0);
        const long x0 = -50, y0 = 30;
        const int n = 40;
        var fine = new float[n * n];
        world.Fill(x0, y0, n, n, 0, fine, default);
        // Coarse samples around the rectangle: coarse pixel I covers fine pixels [4I, 4I+4), its centre at 4I + 1.5.
        long cx0 = LatticeWorld.FloorDiv(x0, 4) - 3, cy0 = LatticeWorld.FloorDiv(y0, 4) - 3;
        const int cn = n / 4 + 7;
        var coarse = new float[cn * cn];
        world.Fill(cx0, cy0, cn, cn, 2, coarse, default);
        double worst = 0, scale = coarse.Max(Math.Abs);
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++)
            {
                double tx = (x0 + x + 0.5) / 4 - 0.5, ty = (y0 + y + 0.5) / 4 - 0.5, expected = 0;
                for (long j = (long)Math.Floor(ty) - 1; j <= (long)Math.Floor(ty) + 2; j++)
                    for (long i = (long)Math.Floor(tx) - 1; i <= (long)Math.Floor(tx) + 2; i++)
                        expected += Kernel(tx - i) * Kernel(ty - j) * coarse[(j - cy0) * cn + i - cx0];
                worst = Math.Max(worst, Math.Abs(expected - fine[y * n + x]));
            }
        Assert.True(worst < 1e-5 * scale, $"largest difference {worst} (coarse scale {scale})");
    }

    [Fact]
    public void Level_of_detail_two_is_the_coarser_level_and_adds_no_detail_of_the_finer()
    {
        // With detail noise, lod 2 (pixel 4x4) is level 1: the same whatever the finest level's noise is.
        var a = new float[30 * 30];
        var b = new float[30 * 30];
        World(5, detailLevels: 2).Fill(10, -4, 30, 30, 2, a, default);
        var other = World(5, detailLevels: 2);
        other.Fill(10, -4, 30, 30, 2, b, default);
        Assert.Equal(a.Select(Bits), b.Select(Bits));
        // and the detail level really adds relief at lod 0: its 4x4 block means stay close to lod 2, its pixels do not.
        var fine = new float[120 * 120];
        other.Fill(40, -16, 120, 120, 0, fine, default);
        double within = 0, between = 0;
        for (int y = 0; y < 30; y++)
            for (int x = 0; x < 30; x++)
            {
                double m = 0;
                for (int v = 0; v < 4; v++)
                    for (int u = 0; u < 4; u++) m += fine[(4 * y + v) * 120 + 4 * x + u];
                m /= 16;
                between += (m - b[y * 30 + x]) * (m - b[y * 30 + x]);
                for (int v = 0; v < 4; v++)
                    for (int u = 0; u < 4; u++) within += (fine[(4 * y + v) * 120 + 4 * x + u] - m) * (fine[(4 * y + v) * 120 + 4 * x + u] - m) / 16;
            }
        Assert.True(within > 0.1 * 900, $"detail variance inside 4x4 blocks {within / 900}");
        Assert.True(between < within, $"block means off lod 2 by {between / 900} against detail {within / 900}");
    }

    [Fact]
    public void The_detail_lattice_sits_its_phase_off_the_coarse_grid()
    {
        // Without a context term the detail is the lattice blend of hash patches, added to the context (the upsampled coarse
        // world, what noise 0 leaves): at phase φ it is the phase-0 world's detail moved φ pixels right and down.
        static ConditionalPyramidWorld At(int? phase, float noise = 1f, int? trained = null) =>
            new(new PyramidWorld(new HashPatchSampler(), 105, levels: 3), new HashDetailSampler(noise, 0f, trainedPhase: trained), 5, phase: phase);
        Assert.Equal(0, At(null).Phase);              // on whole coarse pixels by default
        Assert.Equal(2, At(null, trained: 2).Phase);  // a model that records a phase is laid there
        Assert.Equal(3, At(3, trained: 2).Phase);     // an explicit phase wins
        // ... except over a model that draws for its phase only (phase maps baked in): there it must agree.
        static ConditionalPyramidWorld Baked(int? phase) =>
            new(new PyramidWorld(new HashPatchSampler(), 105, levels: 3), new HashDetailSampler(1f, 0f, trainedPhase: 2, phaseBaked: true), 5, phase: phase);
        Assert.Equal(2, Baked(null).Phase);
        Assert.Equal(2, Baked(2).Phase);
        Assert.Contains("phase maps", Assert.Throws<ArgumentOutOfRangeException>(() => Baked(0)).Message);
        const long x0 = -37, y0 = 21;
        const int n = 70;
        static float[] Detail(ConditionalPyramidWorld world, ConditionalPyramidWorld context, long x, long y)
        {
            var a = new float[n * n];
            var c = new float[n * n];
            world.Fill(x, y, n, n, 0, a, default);
            context.Fill(x, y, n, n, 0, c, default);
            Assert.Contains(c, v => v != 0);
            for (int i = 0; i < a.Length; i++) a[i] -= c[i];
            return a;
        }
        var unshifted = Detail(At(0), At(0, noise: 0), x0, y0);
        foreach (int phase in new[] { 1, 2, 3 })
        {
            var shifted = Detail(At(phase), At(phase, noise: 0), x0, y0);
            var expected = Detail(At(0), At(0, noise: 0), x0 - phase, y0 - phase);
            Assert.All(Enumerable.Range(0, n * n), i => Assert.Equal(expected[i], shifted[i], 3));
            Assert.Contains(Enumerable.Range(0, n * n), i => Math.Abs(unshifted[i] - shifted[i]) > 0.1);
        }
        // The blend is normalised for the detail model's draw correlation: other values in the overlap bands only.
        var correlated = new ConditionalPyramidWorld(new PyramidWorld(new HashPatchSampler(), 105, levels: 3), new HashDetailSampler(1f, 0f, drawCorrelation: 0.3), 5, phase: 2);
        var independent = At(2);
        var a = new float[n * n];
        var b = new float[n * n];
        correlated.Fill(0, 0, n, n, 0, a, default);
        independent.Fill(0, 0, n, n, 0, b, default);
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++)
            {
                bool band = (x - 2) % 28 < 4 || (y - 2) % 28 < 4; // patches start at 28 i + 2 and overlap by 4
                if (!band) Assert.Equal(b[y * n + x], a[y * n + x], 4);
            }
        Assert.Contains(Enumerable.Range(0, n * n), i => Math.Abs(a[i] - b[i]) > 1e-3);
        Assert.Throws<ArgumentException>(() => new ConditionalPyramidWorld(new PyramidWorld(new HashPatchSampler(), 1, levels: 2), new HashDetailSampler(drawCorrelation: 1), 1));
        Assert.Equal("phase", Assert.Throws<ArgumentOutOfRangeException>(() => At(4)).ParamName);
        Assert.Equal("phase", Assert.Throws<ArgumentOutOfRangeException>(() => At(-1)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => At(null, trained: 4));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var coarse = new PyramidWorld(new HashPatchSampler(), 1, levels: 2);
        var d = new HashDetailSampler();
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConditionalPyramidWorld(coarse, d, 1, detailLevels: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConditionalPyramidWorld(coarse, d, 1, detailLevels: 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConditionalPyramidWorld(coarse, d, 1, gain: 0));
        var e = Assert.Throws<ArgumentException>(() => new ConditionalPyramidWorld(coarse, new HashDetailSampler(pixel: 30), 1));
        Assert.Contains("--downsample", e.Message); // the coarse world's pixels must be 4x the detail model's
        Assert.Throws<ArgumentException>(() => new ConditionalPyramidWorld(coarse, d, 1, detailLevels: 2)); // 90 m is not 16 x 22.5 m
        // Overlaps must be whole coarse pixels (the detail model saw contexts aligned with its patch) and at most half a patch.
        Assert.Equal("overlap", Assert.Throws<ArgumentOutOfRangeException>(() => new ConditionalPyramidWorld(coarse, d, 1, overlap: 6)).ParamName);
        Assert.Equal("overlap", Assert.Throws<ArgumentOutOfRangeException>(() => new ConditionalPyramidWorld(coarse, d, 1, overlap: 20)).ParamName);
        Assert.Equal("overlap", Assert.Throws<ArgumentOutOfRangeException>(() => ConditionalPyramidWorld.Create(new HashPatchSampler(), d, 1, overlap: 0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConditionalPyramidWorld(coarse, d, 1, patchCacheBytes: -1));
        var world = new ConditionalPyramidWorld(coarse, d, 1);
        var buffer = new float[16];
        Assert.Throws<ArgumentOutOfRangeException>(() => world.Fill(0, 0, 4, 4, world.MaxLod + 1, buffer, default));
        Assert.Throws<ArgumentOutOfRangeException>(() => world.Fill(world.CoordinateLimit, 0, 4, 4, 0, buffer, default));
        Assert.Throws<ArgumentException>(() => world.Fill(0, 0, 5, 4, 0, buffer, default));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => world.Fill(0, 0, 4, 4, 0, buffer, cts.Token));
    }
}
