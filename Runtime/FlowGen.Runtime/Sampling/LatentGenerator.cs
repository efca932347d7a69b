// Standard-normal latents keyed by (seed, sample index, element index), identical on every backend.
//
// Specification (the GLSL port follows it word for word):
//   key     = (k0, k1) = (low 32 bits of seed, high 32 bits of seed)
//   counter = (element / 4, 0, low 32 bits of sample index, high 32 bits of sample index)
//   (w0, w1, w2, w3) = Philox4x32-10(counter, key)
//   lanes 0,1 use the pair (w0, w1); lanes 2,3 the pair (w2, w3), lane = element % 4:
//     u1 = ((a >> 8) + 1) * 2^-24   in (0, 1]      (a = first word of the pair)
//     u2 = (b >> 8) * 2^-24         in [0, 1)      (b = second word)
//     r = sqrt(-2 ln u1), theta = 2 pi u2
//     even lane: r cos(theta), odd lane: r sin(theta)          (Box–Muller)
//   z = temperature * that value.
// The integer part is exact everywhere; the float transform (log, sqrt, sin, cos in float32) may differ by
// a few ulp between C# and GLSL implementations of those functions.
using FlowGen.Runtime.Sampling;

namespace FlowGen.Runtime;

/// <summary>Counter-based standard-normal latents: the same (seed, sample, element) always gives the same value.</summary>
public static class LatentGenerator
{
    /// <summary>Writes the <paramref name="dest"/>.Length latents of sample <paramref name="sampleIndex"/>, scaled by <paramref name="temperature"/>.</summary>
    public static void Fill(Span<float> dest, ulong seed, long sampleIndex, float temperature = 1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleIndex);
        FillCore(dest, seed, (ulong)sampleIndex, temperature);
    }

    // levelScale (empty, or one factor per element): z = (temperature * value) * levelScale[e], the same float products a
    // sampling graph with its level temperatures baked in (one Mul per level) computes.
    internal static void FillCore(Span<float> dest, ulong seed, ulong sample, float temperature, ReadOnlySpan<float> levelScale = default)
    {
        uint k0 = (uint)seed, k1 = (uint)(seed >> 32), s0 = (uint)sample, s1 = (uint)(sample >> 32);
        for (int e = 0; e < dest.Length; e += 4)
        {
            var (w0, w1, w2, w3) = Philox.Block((uint)(e >> 2), 0, s0, s1, k0, k1);
            var (a0, a1) = BoxMuller(w0, w1);
            var (b0, b1) = BoxMuller(w2, w3);
            int left = dest.Length - e;
            dest[e] = a0 * temperature;
            if (left > 1) dest[e + 1] = a1 * temperature;
            if (left > 2) dest[e + 2] = b0 * temperature;
            if (left > 3) dest[e + 3] = b1 * temperature;
        }
        if (levelScale.IsEmpty) return;
        for (int e = 0; e < dest.Length; e++) dest[e] *= levelScale[e];
    }

    private static (float, float) BoxMuller(uint a, uint b)
    {
        const float Inv24 = 1f / (1 << 24);
        float u1 = ((a >> 8) + 1) * Inv24;
        float u2 = (b >> 8) * Inv24;
        float r = MathF.Sqrt(-2f * MathF.Log(u1));
        float theta = 2f * MathF.PI * u2;
        return (r * MathF.Cos(theta), r * MathF.Sin(theta));
    }
}
