using FlowGen.Runtime.Streaming;

namespace FlowGen.Runtime.Tests.Streaming;

public class LatticeWorldTests
{
    [Fact]
    public void A_pixel_does_not_depend_on_the_rectangle_that_asks_for_it()
    {
        var world = new LatticeWorld(new HashPatchSampler(), seed: 42);
        var big = new float[100 * 90];
        world.Fill(-37, 1000, 100, 90, 0, big, default);
        var rng = new Random(5);
        for (int t = 0; t < 20; t++)
        {
            int x = rng.Next(0, 100), y = rng.Next(0, 90), w = rng.Next(1, 100 - x + 1), h = rng.Next(1, 90 - y + 1);
            var part = new float[w * h];
            world.Fill(-37 + x, 1000 + y, w, h, 0, part, default);
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++)
                    Assert.Equal(BitConverter.SingleToInt32Bits(big[(y + r) * 100 + x + c]), BitConverter.SingleToInt32Bits(part[r * w + c]));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData(8)]
    [InlineData(2)]
    public void Blending_weights_keep_the_variance_of_unit_variance_patches(int? overlap)
    {
        // Patches of variance 1/3 (uniform on [-1,1]); a variance-preserving blend keeps 1/3 everywhere,
        // including on the lines where patches meet and in the overlap bands; a plain weighted average would drop to 1/6 there.
        var world = new LatticeWorld(new HashPatchSampler(), seed: 7, overlap);
        int stride = 32 - (overlap ?? 16);
        Assert.Equal(overlap ?? 16, world.Overlap);
        const int size = 480;
        var v = new float[size * size];
        world.Fill(0, 0, size, size, 0, v, default);
        var phaseVar = new double[stride];
        var phaseCount = new int[stride];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                phaseVar[x % stride] += v[y * size + x] * (double)v[y * size + x];
                phaseCount[x % stride]++;
            }
        for (int k = 0; k < stride; k++)
            Assert.InRange(phaseVar[k] / phaseCount[k], 1.0 / 3 * 0.93, 1.0 / 3 * 1.07);
    }

    [Fact]
    public void The_blend_keeps_the_variance_of_correlated_patches_when_told_their_correlation()
    {
        // Patches that share part of their values where they overlap (rho of the variance: a field of the world position),
        // as detail patches given the same context do. Told rho, the blend keeps unit variance in the bands too; blending
        // them as independent puts up to 1 + rho in the bands' middle.
        const double rho = 0.3;
        const int size = 240, patch = 32, overlap = 8, stride = patch - overlap;
        static double Unit(ulong seed, long index, int element) => Math.Sqrt(3) * HashPatchSampler.Value(seed, index, element);
        double[] Profile(double told)
        {
            var blend = new LatticeBlend(patch, overlap, "test", told);
            var v = new float[size * size];
            blend.Fill(0, 0, size, size, v, (patches, j, i0, count, rows) =>
            {
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < count; c++)
                        for (int e = 0; e < patch * patch; e++)
                        {
                            long x = (long)(i0 + c) * stride + e % patch, y = (long)(j + r) * stride + e / patch;
                            patches[(r * count + c) * patch * patch + e] = (float)(Math.Sqrt(rho) * Unit(1, y * 100_000 + x, 0)
                                + Math.Sqrt(1 - rho) * Unit(2, ((long)(j + r) << 32) + i0 + c, e));
                        }
            }, default);
            var variance = new double[stride];
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++) variance[x % stride] += v[y * size + x] * (double)v[y * size + x] / (2.0 * size * size / stride);
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++) variance[y % stride] += v[y * size + x] * (double)v[y * size + x] / (2.0 * size * size / stride);
            return variance;
        }
        Assert.All(Profile(rho), v => Assert.InRange(v, 0.93, 1.07));
        Assert.True(Profile(0).Max() > 1.1, "blended as independent, correlated patches should gain variance in the bands");
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatticeBlend(patch, overlap, "test", 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatticeBlend(patch, overlap, "test", -0.1));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(2)]
    public void With_narrow_overlaps_a_pixel_still_does_not_depend_on_the_rectangle(int overlap)
    {
        var world = new LatticeWorld(new HashPatchSampler(), seed: 3, overlap);
        var big = new float[130 * 75];
        world.Fill(-61, -20, 130, 75, 0, big, default);
        var rng = new Random(overlap);
        for (int t = 0; t < 20; t++)
        {
            int x = rng.Next(0, 130), y = rng.Next(0, 75), w = rng.Next(1, 130 - x + 1), h = rng.Next(1, 75 - y + 1);
            var part = new float[w * h];
            world.Fill(-61 + x, -20 + y, w, h, 0, part, default);
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++)
                    Assert.Equal(BitConverter.SingleToInt32Bits(big[(y + r) * 130 + x + c]), BitConverter.SingleToInt32Bits(part[r * w + c]));
        }
    }

    [Fact]
    public void Outside_the_overlap_bands_a_pixel_is_its_own_patch_unblended()
    {
        // Stride 24, overlap 8: pixel (x, y) with x mod 24 and y mod 24 in 8..23 lies in patch (x div 24, y div 24) alone.
        var world = new LatticeWorld(new HashPatchSampler(), seed: 9, overlap: 8);
        var v = new float[48 * 48];
        world.Fill(0, 0, 48, 48, 0, v, default);
        for (int y = 8; y < 24; y++)
            for (int x = 8; x < 24; x++)
                Assert.Equal(HashPatchSampler.Value(9, 0, y * 32 + x), v[y * 48 + x]);
        for (int y = 32; y < 48; y++)
            for (int x = 8; x < 24; x++) // patch (0, 1): index 2^32, its row y - 24
                Assert.Equal(HashPatchSampler.Value(9, 1L << 32, (y - 24) * 32 + x), v[y * 48 + x]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(-4)]
    public void Overlaps_outside_two_to_half_a_patch_are_refused(int overlap)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new LatticeWorld(new HashPatchSampler(), 1, overlap));
        Assert.Equal("overlap", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PyramidWorld(new HashPatchSampler(), 1, overlap: overlap));
    }

    [Fact]
    public void Same_seed_same_world_other_seed_other_world()
    {
        var a = new float[64 * 64];
        var b = new float[64 * 64];
        var c = new float[64 * 64];
        new LatticeWorld(new HashPatchSampler(), 1).Fill(5, 5, 64, 64, 0, a, default);
        new LatticeWorld(new HashPatchSampler(), 1).Fill(5, 5, 64, 64, 0, b, default);
        new LatticeWorld(new HashPatchSampler(), 2).Fill(5, 5, 64, 64, 0, c, default);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData(long.MaxValue - 10, 0, 8, 8)]
    [InlineData(0, long.MinValue, 8, 8)]
    [InlineData(0, 0, 0, 8)]
    [InlineData(0, 0, 8, -1)]
    public void Rectangles_outside_the_world_or_empty_are_refused(long x0, long y0, int w, int h)
    {
        var world = new LatticeWorld(new HashPatchSampler(), 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => world.Fill(x0, y0, w, h, 0, new float[64], default));
    }

    [Fact]
    public void Far_from_the_origin_still_works_within_the_limit()
    {
        var world = new LatticeWorld(new HashPatchSampler(), 1);
        long edge = world.CoordinateLimit - 32;
        var v = new float[32 * 32];
        world.Fill(edge, -edge - 0, 32, 32, 0, v, default);
        Assert.All(v, f => Assert.True(float.IsFinite(f)));
    }
}
