// The weight gradient of the float convolution (Ops.ConvFloat.cs) as dot products along the pixels:
//   dW[o, (c, ky, kx)] = Σ_s Σ_q dYpad(s, o)[q] · xpad(s, c)[ky·Wp + kx + q],   q < L = (H-1)·Wp + W
// Both operands are contiguous along q once dY is zero-padded like x: q walks the padded grid, and at
// the grid's pad columns (q mod Wp ≥ W) dYpad holds zeros, so those terms add exact zeros. Nothing is
// packed or transposed (the GEMM form col(x)·dYᵀ gathered every im2col element).
// Tiles of 3 weight columns × 3 output channels keep 9 Vector256 accumulators (each lane sums every
// 8th term, samples in ascending order); the lanes are summed at the end. With the tile's 3 + 3 operand
// registers and the mask that is AVX2's 16 vector registers (a 4 × 4 tile needed 25 and the JIT spilled
// accumulators to the stack every iteration). The last partial vector is
// read ending at L with the already-counted lanes of dY masked to zero. Items are groups of whole
// tiles, so results do not depend on the thread count (nor on the tile shape: every accumulator sums its
// own terms in the same order).
using System.Runtime.Intrinsics;

namespace FlowGen.Training.Autodiff;

internal static unsafe class ConvWeightGrad
{
    private const int T = 3, Lanes = 8, AccFloats = T * T * Lanes;

    /// <summary>
    /// dw[o·kk + i] += Σ_s Σ_{q&lt;len} dy[s·dySample + o·dyPlane + q] · x[s·xSample + rowOff[i] + q] for
    /// o &lt; co, i &lt; kk = rowOff.Length, s &lt; n.
    /// </summary>
    public static void Run(float* x, int xSample, int[] rowOff, float* dy, int dySample, int dyPlane, int n, int co, int len, float* dw)
    {
        int kk = rowOff.Length, iTiles = (kk + T - 1) / T, oTiles = (co + T - 1) / T, tiles = iTiles * oTiles;
        if (tiles == 0 || n == 0 || len == 0) return;
        int groups = Math.Min(tiles, 4 * Engine.Pool.ThreadCount);
        var acc = TensorArena<float>.Alloc(tiles * AccFloats);
        nint px = (nint)x, pdy = (nint)dy, pdw = (nint)dw;
        Engine.For(groups, g =>
        {
            int t0 = (int)((long)tiles * g / groups), t1 = (int)((long)tiles * (g + 1) / groups);
            float** xr = stackalloc float*[T];
            float** dr = stackalloc float*[T];
            float* shortRows = stackalloc float[2 * T * Lanes]; // rows shorter than a vector, zero-padded
            new Span<float>(shortRows, 2 * T * Lanes).Clear();
            fixed (float* pacc = acc)
            {
                // blocks of samples outer: a block's rows stay in cache (about 256 KB) while the group's tiles
                // sweep them, each tile keeping its accumulators in registers over the block
                int block = len < Lanes ? 1 : Math.Clamp((1 << 16) / (xSample + dySample), 1, n);
                for (int s = 0; s < n; s += block)
                    for (int t = t0; t < t1; t++)
                    {
                        int it = t / oTiles, ot = t % oTiles;
                        for (int a = 0; a < T; a++)
                        {
                            xr[a] = (float*)px + (long)s * xSample + rowOff[Math.Min(it * T + a, kk - 1)];
                            dr[a] = (float*)pdy + (long)s * dySample + (long)Math.Min(ot * T + a, co - 1) * dyPlane;
                        }
                        if (len < Lanes)
                            for (int a = 0; a < T; a++)
                            {
                                float* xs = shortRows + a * Lanes, ds = shortRows + (T + a) * Lanes;
                                new Span<float>(xr[a], len).CopyTo(new Span<float>(xs, len));
                                new Span<float>(dr[a], len).CopyTo(new Span<float>(ds, len));
                                xr[a] = xs;
                                dr[a] = ds;
                            }
                        Tile(xr, dr, Math.Max(len, Lanes), Math.Min(block, n - s), xSample, dySample, pacc + (long)t * AccFloats);
                    }
                for (int t = t0; t < t1; t++)
                {
                    int it = t / oTiles, ot = t % oTiles;
                    float* ta = pacc + (long)t * AccFloats;
                    for (int b = 0; b < T && ot * T + b < co; b++)
                        for (int a = 0; a < T && it * T + a < kk; a++)
                            ((float*)pdw)[(long)(ot * T + b) * kk + it * T + a] += Vector256.Sum(Vector256.Load(ta + (a * T + b) * Lanes));
                }
            }
        });
        TensorArena<float>.Return(acc);
    }

    // acc[a·T + b] (8 lanes) += x[a][q] · dy[b][q] over q < len (len ≥ 8), lane by lane, for `samples`
    // consecutive samples (rows xSample and dySample apart).
    private static void Tile(float** xr, float** dr, int len, int samples, int xSample, int dySample, float* acc)
    {
        var c00 = Vector256.Load(acc); var c01 = Vector256.Load(acc + 8); var c02 = Vector256.Load(acc + 16);
        var c10 = Vector256.Load(acc + 24); var c11 = Vector256.Load(acc + 32); var c12 = Vector256.Load(acc + 40);
        var c20 = Vector256.Load(acc + 48); var c21 = Vector256.Load(acc + 56); var c22 = Vector256.Load(acc + 64);
        for (int s = 0; s < samples; s++)
        {
            float* x0 = xr[0] + (long)s * xSample, x1 = xr[1] + (long)s * xSample, x2 = xr[2] + (long)s * xSample;
            float* d0 = dr[0] + (long)s * dySample, d1 = dr[1] + (long)s * dySample, d2 = dr[2] + (long)s * dySample;
            int q = 0;
            Vector256<float> keep = Vector256<float>.AllBitsSet;
            while (true)
            {
                int at = q;
                if (q + Lanes > len)
                {
                    if (q >= len) break;
                    // the last vector ends at len; lanes below q were counted already and are masked out of dY
                    at = len - Lanes;
                    keep = Vector256.GreaterThanOrEqual(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(q - at)).AsSingle();
                    q = len;
                }
                else q += Lanes;
                var b0 = Vector256.Load(d0 + at) & keep; var b1 = Vector256.Load(d1 + at) & keep; var b2 = Vector256.Load(d2 + at) & keep;
                var a0 = Vector256.Load(x0 + at);
                c00 = Vector256.FusedMultiplyAdd(a0, b0, c00); c01 = Vector256.FusedMultiplyAdd(a0, b1, c01); c02 = Vector256.FusedMultiplyAdd(a0, b2, c02);
                var a1 = Vector256.Load(x1 + at);
                c10 = Vector256.FusedMultiplyAdd(a1, b0, c10); c11 = Vector256.FusedMultiplyAdd(a1, b1, c11); c12 = Vector256.FusedMultiplyAdd(a1, b2, c12);
                var a2 = Vector256.Load(x2 + at);
                c20 = Vector256.FusedMultiplyAdd(a2, b0, c20); c21 = Vector256.FusedMultiplyAdd(a2, b1, c21); c22 = Vector256.FusedMultiplyAdd(a2, b2, c22);
            }
        }
        c00.Store(acc); c01.Store(acc + 8); c02.Store(acc + 16);
        c10.Store(acc + 24); c11.Store(acc + 32); c12.Store(acc + 40);
        c20.Store(acc + 48); c21.Store(acc + 56); c22.Store(acc + 64);
    }
}
