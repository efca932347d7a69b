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

    [Fact]
    public void Blending_weights_keep_the_variance_of_unit_variance_patches()
    {
        // Patches of variance 1/3 (uniform on [-1,1]); a variance-preserving blend keeps 1/3 everywhere,
        // including on the lines where patches meet; a plain weighted average would drop to 1/6 there.
        var world = new LatticeWorld(new HashPatchSampler(), seed: 7);
        const int size = 512;
        var v = new float[size * size];
        world.Fill(0, 0, size, size, 0, v, default);
        var phaseVar = new double[16];
        var phaseCount = new int[16];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                phaseVar[x % 16] += v[y * size + x] * (double)v[y * size + x];
                phaseCount[x % 16]++;
            }
        for (int k = 0; k < 16; k++)
            Assert.InRange(phaseVar[k] / phaseCount[k], 1.0 / 3 * 0.93, 1.0 / 3 * 1.07);
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
