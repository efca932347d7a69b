// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a counter-based
// generator. Output = bijection(counter) under a key, so any element of any sample is computed directly
// from (seed, sample index, element index) — no state, no order dependence. Uses only 32-bit unsigned
// multiplies (hi and lo halves), xors and adds: exact on any hardware (LatentGenerator runs 8 blocks at a time
// with AVX2's 32 x 32 -> 64-bit multiplies and gets these bits; a GLSL port would use umulExtended).
using System.Runtime.CompilerServices;

namespace FlowGen.Runtime.Sampling;

internal static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>Ten rounds on counter (c0..c3) with key (k0, k1); returns the four output words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint, uint, uint, uint) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int r = 0; r < 10; r++)
        {
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0, hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0);
            k0 += W0;
            k1 += W1;
        }
        return (c0, c1, c2, c3);
    }
}
