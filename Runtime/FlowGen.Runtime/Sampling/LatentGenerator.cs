// Standard-normal latents keyed by (seed, sample index, element index), bitwise identical on every machine.
//
// Specification (LatentGenerator.Reference is this, one pair at a time):
//   key     = (k0, k1) = (low 32 bits of seed, high 32 bits of seed)
//   counter = (element / 4, 0, low 32 bits of sample index, high 32 bits of sample index)
//   (w0, w1, w2, w3) = Philox4x32-10(counter, key)
//   lanes 0,1 use the pair (w0, w1); lanes 2,3 the pair (w2, w3), lane = element % 4:
//     u1 = ((a >> 8) + 1) * 2^-24   in (0, 1]      (a = first word of the pair)
//     u2 = (b >> 8) * 2^-24         in [0, 1)      (b = second word)
//     r = sqrt(-2 ln u1), theta = 2 pi u2
//     even lane: r cos(theta), odd lane: r sin(theta)          (Box–Muller)
//   z = temperature * that value.
// ln, cos and sin are FlowGen's own, in float32 with each multiply and add rounded on its own (no fused multiply-add,
// which the JIT never introduces) in a fixed order: ln from the exponent and an atanh series on the mantissa,
// cos/sin from the exact quadrant of 4·u2 and Taylor polynomials on [-π/4, π/4]; sqrt and the division are IEEE
// (correctly rounded). So the latents do not depend on the C library's libm (which differs by an ulp between Linux,
// Windows and macOS), the vector width or the thread count: a seed is the same world everywhere. Accurate to
// about 2 ulp of the exact Box–Muller value (tested against double precision). The vector path (8 counters at a
// time, AVX2) runs the very same operations per lane and is tested bit for bit against the reference.
// Before 2026-12-07 the transform used MathF.Log/Cos/Sin: latents (and every sample) then differed from these in
// the last bits.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
        int e = 0;
        if (Avx2.IsSupported)
            for (; e + VectorElements <= dest.Length; e += VectorElements)
                VectorBlocks((uint)(e >> 2), s0, s1, k0, k1, temperature, dest.Slice(e, VectorElements));
        for (; e < dest.Length; e += 4)
        {
            var (a0, a1, b0, b1) = Reference((uint)(e >> 2), s0, s1, k0, k1);
            int left = dest.Length - e;
            dest[e] = a0 * temperature;
            if (left > 1) dest[e + 1] = a1 * temperature;
            if (left > 2) dest[e + 2] = b0 * temperature;
            if (left > 3) dest[e + 3] = b1 * temperature;
        }
        if (levelScale.IsEmpty) return;
        for (int i = 0; i < dest.Length; i++) dest[i] *= levelScale[i];
    }

    /// <summary>The four latents of Philox block <paramref name="block"/> (elements 4·block .. 4·block+3) at temperature 1:
    /// the specification, one scalar pair at a time.</summary>
    internal static (float, float, float, float) Reference(uint block, uint s0, uint s1, uint k0, uint k1)
    {
        var (w0, w1, w2, w3) = Philox.Block(block, 0, s0, s1, k0, k1);
        var (a0, a1) = BoxMuller(w0, w1);
        var (b0, b1) = BoxMuller(w2, w3);
        return (a0, a1, b0, b1);
    }

    private const float Inv24 = 1f / (1 << 24);
    private const float Sqrt2 = 1.41421354f;
    private const float Ln2Hi = 0.693145752f, Ln2Lo = 1.42860677e-06f; // Ln2Hi has 17 significant bits: e·Ln2Hi is exact
    private const float HalfPi = 1.57079637f;
    // ln f = s·(2 + z·(2/3 + z·(2/5 + z·(2/7 + z·(2/9 + z·2/11))))), s = (f-1)/(f+1), z = s², |s| <= 0.1716.
    private const float L1 = 2f / 3, L2 = 2f / 5, L3 = 2f / 7, L4 = 2f / 9, L5 = 2f / 11;
    // sin φ = φ + φ·p·(S3 + p·(S5 + p·(S7 + p·S9))), cos φ = 1 + p·(C2 + p·(C4 + p·(C6 + p·(C8 + p·C10)))), p = φ², |φ| <= π/4.
    private const float S3 = -1f / 6, S5 = 1f / 120, S7 = -1f / 5040, S9 = 1f / 362880;
    private const float C2 = -0.5f, C4 = 1f / 24, C6 = -1f / 720, C8 = 1f / 40320, C10 = -1f / 3628800;

    private static (float, float) BoxMuller(uint a, uint b)
    {
        float u1 = ((a >> 8) + 1) * Inv24;
        float u2 = (b >> 8) * Inv24;
        float r = MathF.Sqrt(-2f * Ln(u1));
        var (sin, cos) = SinCos2Pi(u2);
        return (r * cos, r * sin);
    }

    // ln u for u in [2^-24, 1] (normal, positive).
    private static float Ln(float u)
    {
        int bits = BitConverter.SingleToInt32Bits(u);
        int e = (bits >> 23) - 127;
        float f = BitConverter.Int32BitsToSingle((bits & 0x7FFFFF) | 0x3F800000);
        if (f > Sqrt2)
        {
            f *= 0.5f;
            e += 1;
        }
        float s = (f - 1f) / (f + 1f), z = s * s;
        float poly = 2f + z * (L1 + z * (L2 + z * (L3 + z * (L4 + z * L5))));
        float ef = e;
        return ef * Ln2Hi + (s * poly + ef * Ln2Lo);
    }

    // (sin 2πu, cos 2πu) for u in [0, 1) a multiple of 2^-24: 4u = q + t exactly, q the nearest integer (ties to even).
    private static (float, float) SinCos2Pi(float u)
    {
        float x = u * 4f, q = MathF.Round(x), t = x - q;
        float phi = t * HalfPi, p = phi * phi;
        float sinPhi = phi + phi * p * (S3 + p * (S5 + p * (S7 + p * S9)));
        float cosPhi = 1f + p * (C2 + p * (C4 + p * (C6 + p * (C8 + p * C10))));
        int quadrant = (int)q;
        float sin = (quadrant & 1) != 0 ? cosPhi : sinPhi, cos = (quadrant & 1) != 0 ? sinPhi : cosPhi;
        if ((quadrant & 2) != 0) sin = -sin;
        if (((quadrant + 1) & 2) != 0) cos = -cos;
        return (sin, cos);
    }

    /// <summary>Latents one vector call writes: 8 Philox blocks.</summary>
    internal const int VectorElements = 32;

    // Blocks first .. first+7 into dest (32 floats), each lane the reference's operations in the same order.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void VectorBlocks(uint first, uint s0, uint s1, uint k0, uint k1, float temperature, Span<float> dest)
    {
        var c0 = Vector256.Create(first) + Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
        var c1 = Vector256<uint>.Zero;
        var c2 = Vector256.Create(s0);
        var c3 = Vector256.Create(s1);
        var m0 = Vector256.Create(0xD2511F53u);
        var m1 = Vector256.Create(0xCD9E8D57u);
        uint key0 = k0, key1 = k1;
        for (int r = 0; r < 10; r++)
        {
            var hi0 = MulHi(c0, m0);
            var lo0 = c0 * m0;
            var hi1 = MulHi(c2, m1);
            var lo1 = c2 * m1;
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ Vector256.Create(key0), lo1, hi0 ^ c3 ^ Vector256.Create(key1), lo0);
            key0 += 0x9E3779B9;
            key1 += 0xBB67AE85;
        }
        var (a0, a1) = BoxMuller(c0, c1);
        var (b0, b1) = BoxMuller(c2, c3);
        var t = Vector256.Create(temperature);
        a0 *= t; a1 *= t; b0 *= t; b1 *= t;
        // Block j's four latents are lane j of a0, a1, b0, b1: transpose 4 x 8 into 8 x 4.
        var p0 = Avx.UnpackLow(a0, a1);    // a0_0 a1_0 a0_1 a1_1 | a0_4 a1_4 a0_5 a1_5
        var p1 = Avx.UnpackHigh(a0, a1);   // a0_2 a1_2 a0_3 a1_3 | a0_6 ...
        var p2 = Avx.UnpackLow(b0, b1);
        var p3 = Avx.UnpackHigh(b0, b1);
        var q0 = Avx.Shuffle(p0, p2, 0b01_00_01_00); // block 0 | block 4
        var q1 = Avx.Shuffle(p0, p2, 0b11_10_11_10); // block 1 | block 5
        var q2 = Avx.Shuffle(p1, p3, 0b01_00_01_00); // block 2 | block 6
        var q3 = Avx.Shuffle(p1, p3, 0b11_10_11_10); // block 3 | block 7
        Avx.Permute2x128(q0, q1, 0x20).CopyTo(dest);
        Avx.Permute2x128(q2, q3, 0x20).CopyTo(dest[8..]);
        Avx.Permute2x128(q0, q1, 0x31).CopyTo(dest[16..]);
        Avx.Permute2x128(q2, q3, 0x31).CopyTo(dest[24..]);
    }

    // High 32 bits of each lane's 32 x 32-bit product.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> MulHi(Vector256<uint> x, Vector256<uint> m)
    {
        var even = Avx2.Multiply(x, m);                                                   // lanes 0,2,4,6 -> 64-bit slots
        var odd = Avx2.Multiply(Avx2.ShiftRightLogical(x.AsUInt64(), 32).AsUInt32(), m); // lanes 1,3,5,7
        return Avx2.Blend(Avx2.ShiftRightLogical(even, 32).AsUInt32(), odd.AsUInt32(), 0b1010_1010);
    }

    private static (Vector256<float>, Vector256<float>) BoxMuller(Vector256<uint> a, Vector256<uint> b)
    {
        var u1 = Vector256.ConvertToSingle((Vector256.ShiftRightLogical(a, 8) + Vector256<uint>.One).AsInt32()) * Vector256.Create(Inv24);
        var u2 = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(b, 8).AsInt32()) * Vector256.Create(Inv24);
        var r = Vector256.Sqrt(Vector256.Create(-2f) * Ln(u1));
        var (sin, cos) = SinCos2Pi(u2);
        return (r * cos, r * sin);
    }

    private static Vector256<float> Ln(Vector256<float> u)
    {
        var bits = u.AsInt32();
        var e = Vector256.ShiftRightArithmetic(bits, 23) - Vector256.Create(127);
        var f = ((bits & Vector256.Create(0x7FFFFF)) | Vector256.Create(0x3F800000)).AsSingle();
        var big = Vector256.GreaterThan(f, Vector256.Create(Sqrt2));
        f = Vector256.ConditionalSelect(big, f * Vector256.Create(0.5f), f);
        e -= big.AsInt32(); // all-ones lanes are -1
        var s = (f - Vector256<float>.One) / (f + Vector256<float>.One);
        var z = s * s;
        var poly = Vector256.Create(2f) + z * (Vector256.Create(L1) + z * (Vector256.Create(L2) + z * (Vector256.Create(L3)
            + z * (Vector256.Create(L4) + z * Vector256.Create(L5)))));
        var ef = Vector256.ConvertToSingle(e);
        return ef * Vector256.Create(Ln2Hi) + (s * poly + ef * Vector256.Create(Ln2Lo));
    }

    private static (Vector256<float>, Vector256<float>) SinCos2Pi(Vector256<float> u)
    {
        var x = u * Vector256.Create(4f);
        var q = Avx.RoundToNearestInteger(x);
        var t = x - q;
        var phi = t * Vector256.Create(HalfPi);
        var p = phi * phi;
        var sinPhi = phi + phi * p * (Vector256.Create(S3) + p * (Vector256.Create(S5) + p * (Vector256.Create(S7) + p * Vector256.Create(S9))));
        var cosPhi = Vector256<float>.One + p * (Vector256.Create(C2) + p * (Vector256.Create(C4) + p * (Vector256.Create(C6)
            + p * (Vector256.Create(C8) + p * Vector256.Create(C10)))));
        var quadrant = Vector256.ConvertToInt32(q);
        var odd = Vector256.Equals(quadrant & Vector256<int>.One, Vector256<int>.One).AsSingle();
        var sin = Vector256.ConditionalSelect(odd, cosPhi, sinPhi);
        var cos = Vector256.ConditionalSelect(odd, sinPhi, cosPhi);
        var signBit = Vector256.Create(int.MinValue);
        var sinSign = Vector256.ShiftLeft(quadrant & Vector256.Create(2), 30) & signBit;                              // bit 1 -> bit 31
        var cosSign = Vector256.ShiftLeft((quadrant + Vector256<int>.One) & Vector256.Create(2), 30) & signBit;
        return ((sin.AsInt32() ^ sinSign).AsSingle(), (cos.AsInt32() ^ cosSign).AsSingle());
    }
}
