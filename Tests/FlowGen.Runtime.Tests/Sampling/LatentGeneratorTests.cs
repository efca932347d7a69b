// The latent generator: Philox4x32-10 against the Random123 known-answer vectors, the Box–Muller output
// against a golden table, standard-normal statistics, and independence from how samples are batched.
using FlowGen.Runtime.Sampling;

namespace FlowGen.Runtime.Tests.Sampling;

public class LatentGeneratorTests
{
    [Theory]
    [InlineData(0u, 0u, 0u, 0u, 0u, 0u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void PhiloxMatchesRandom123KnownAnswers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint r0, uint r1, uint r2, uint r3)
    {
        Assert.Equal((r0, r1, r2, r3), Philox.Block(c0, c1, c2, c3, k0, k1));
    }

    [Fact]
    public void GoldenValuesForSeed42()
    {
        // The first latents of seed 42, sample 7, and of a block the vector path draws (elements 32..35), as bits: a change
        // here changes every world and sample of every saved seed.
        var z = new float[36];
        LatentGenerator.Fill(z, 42, 7);
        Assert.Equal(Golden, new[] { z[0], z[1], z[2], z[3], z[4], z[5], z[32], z[33], z[34], z[35] }.Select(BitConverter.SingleToUInt32Bits).ToArray());
    }

    private static readonly uint[] Golden = [0x3F8856DA, 0xBF514952, 0xBF28902E, 0x3F9101BF, 0xBEA8419A, 0x3EA7C2C6, 0xBF1119C5, 0x3F89AC3B, 0x3F383A51, 0xBF5E9793];

    [Fact]
    public void BoxMullerIsWithinTwoUlpOfDoublePrecision()
    {
        // FlowGen's own ln, sin and cos against double precision on the same Philox words: no libm, few ulp.
        double worst = 0;
        for (uint block = 0; block < 1 << 15; block++)
        {
            var (w0, w1, w2, w3) = Philox.Block(block, 0, 3, 0, 17, 0);
            var got = LatentGenerator.Reference(block, 3, 0, 17, 0);
            foreach (var (a, b, z, sine) in new[] { (w0, w1, got.Item1, false), (w0, w1, got.Item2, true), (w2, w3, got.Item3, false), (w2, w3, got.Item4, true) })
            {
                double r = Math.Sqrt(-2 * Math.Log(((a >> 8) + 1) / 16777216.0)), theta = 2 * Math.PI * ((b >> 8) / 16777216.0);
                double exact = r * (sine ? Math.Sin(theta) : Math.Cos(theta));
                // In units of the float spacing at r (the pair's scale): cos and sin near zero carry r's absolute error.
                worst = Math.Max(worst, Math.Abs(z - exact) / (Math.Max(r, 1e-3) * Math.Pow(2, -23)));
            }
        }
        Assert.True(worst <= 2.5, $"worst error {worst:F2} ulp of r");
        Assert.True(worst > 0, "compared against something different"); // float vs double always differ somewhere
    }

    [Fact]
    public void StandardNormalStatistics()
    {
        var z = new float[1 << 18];
        LatentGenerator.Fill(z, 123, 0);
        double mean = z.Average(v => (double)v), var = z.Average(v => (v - mean) * (v - mean));
        double kurt = z.Average(v => Math.Pow(v - mean, 4)) / (var * var);
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(var, 0.98, 1.02);
        Assert.InRange(kurt, 2.9, 3.1);
        Assert.All(z, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void KeyedBySeedSampleAndElementOnly()
    {
        var a = new float[10];
        var b = new float[10];
        var c = new float[10];
        LatentGenerator.Fill(a, 1, 5);
        LatentGenerator.Fill(b, 1, 6);
        LatentGenerator.Fill(c, 2, 5);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
        var longer = new float[17];
        LatentGenerator.Fill(longer, 1, 5);
        Assert.Equal(a, longer[..10]); // element e does not depend on how many are drawn
        var hot = new float[10];
        LatentGenerator.Fill(hot, 1, 5, 0.5f);
        for (int i = 0; i < 10; i++) Assert.Equal(a[i] * 0.5f, hot[i]);
    }

    [Fact]
    [Trait("Category", "Kernels")]
    public void TheVectorPathGivesTheReferenceBits()
    {
        // FillCore draws 32 latents at a time with AVX2 where it can, then the rest one block at a time: every element must
        // be the reference's, whatever the length, sample or seed (under DOTNET_EnableAVX2=0 both sides are the reference).
        foreach (int length in new[] { 1024, 256, 37, 32, 31, 5 })
            foreach (var (seed, sample) in new[] { (0ul, 0ul), (42ul, 7ul), (ulong.MaxValue, (ulong)long.MaxValue), (0x1234_5678_9abc_def0ul, 1ul << 40) })
            {
                var z = new float[length];
                LatentGenerator.FillCore(z, seed, sample, 0.8f);
                for (int e = 0; e < length; e += 4)
                {
                    var (a0, a1, b0, b1) = LatentGenerator.Reference((uint)(e >> 2), (uint)sample, (uint)(sample >> 32), (uint)seed, (uint)(seed >> 32));
                    float[] expected = [a0 * 0.8f, a1 * 0.8f, b0 * 0.8f, b1 * 0.8f];
                    for (int i = 0; i < 4 && e + i < length; i++)
                        Assert.True(BitConverter.SingleToUInt32Bits(expected[i]) == BitConverter.SingleToUInt32Bits(z[e + i]),
                            $"length {length}, seed {seed}, sample {sample}, element {e + i}: {z[e + i]} vs reference {expected[i]}");
                }
            }
    }
}
