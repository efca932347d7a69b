// The float convolution's forward pass and input gradient (Ops.ConvFloat.cs), computed directly over
// the zero-padded input's grid instead of as a packed GEMM:
//   out(s, o)[q] = Σ_p W[o, p] · src(s)[rowOff[p] + q],   q = i·Wp + j < L = (H-1)·Wp + W
// For a stride-1 convolution every row of the implicit im2col matrix is the padded image shifted by
// rowOff[p] = c·Hp·Wp + ky·Wp + kx, so it is read in place, contiguous along q; nothing is packed.
// Positions with j ≥ W are the grid's pad columns: computed, then dropped when a sample's rows are
// written out. Tiles are 4 output rows × 24 positions (12 Vector256 accumulators, p ascending: with the three
// operand registers and the broadcast weight, AVX2's 16; 4 × 32 spilled accumulators every iteration), the
// last one ending at L (recomputing a few positions identically); grids shorter than 24 go 16 or 8 at a time.
// Items are samples, so results do not depend on the thread count.
using System.Runtime.Intrinsics;

namespace FlowGen.Training.Autodiff;

internal static unsafe class GridConv
{
    private const int Rows = 4, Lanes = 8, Block = 3 * Lanes;

    /// <summary>
    /// dst[((s·m + o)·h + i)·wd + j] (+)= bias[o] + Σ_p w[o·k + p] · src[s·srcSample + rowOff[p] + i·wp + j] for
    /// s &lt; n, o &lt; m, i &lt; h, j &lt; wd (k = rowOff.Length; bias may be null; += when <paramref name="accumulate"/>;
    /// max(·, 0) when <paramref name="relu"/>, which does not accumulate). <paramref name="prepare"/>(s), when
    /// given, runs first in sample s's item (it fills that sample of src).
    /// </summary>
    public static void Run(float* src, int srcSample, int[] rowOff, float[] w, float[]? bias, bool relu, int m, int n, int h, int wd, int wp,
        float* dst, bool accumulate, Action<int>? prepare = null)
    {
        System.Diagnostics.Debug.Assert(!(relu && accumulate));
        int k = rowOff.Length, len = (h - 1) * wp + wd, tiles = (m + Rows - 1) / Rows;
        if (m == 0 || n == 0 || len <= 0) return;
        // weights by row tile, p-major: wt[(t·k + p)·4 + a] = w[(4t + a)·k + p], rows beyond m zero
        var wt = TensorArena<float>.Alloc(tiles * k * Rows);
        for (int o = 0; o < m; o++)
            for (int p = 0; p < k; p++) wt[((o / Rows) * k + p) * Rows + o % Rows] = w[o * k + p];
        nint psrc = (nint)src, pdst = (nint)dst;
        Engine.For(n, s =>
        {
            prepare?.Invoke(s);
            var scratch = Scratch<float>.Get(tiles * Rows * len);
            fixed (float* pwt = wt, ps = scratch)
            fixed (int* ro = rowOff)
            {
                float* xs = (float*)psrc + (long)s * srcSample;
                if (len < Lanes) Small(xs, ro, k, pwt, tiles, len, ps);
                else
                {
                    // the last block ends at len (positions recomputed identically), so only grids shorter
                    // than a block take the one-vector tile
                    int step = len >= Block ? Block : len >= 2 * Lanes ? 2 * Lanes : Lanes;
                    for (int q0 = 0; q0 < len; q0 += step)
                    {
                        int at = Math.Min(q0, len - step);
                        for (int t = 0; t < tiles; t++)
                        {
                            float* wtt = pwt + (long)t * k * Rows, o = ps + (long)t * Rows * len + at;
                            if (step == Block) Tile3(xs + at, ro, k, wtt, o, len);
                            else if (step == 2 * Lanes) Tile2(xs + at, ro, k, wtt, o, len);
                            else Tile1(xs + at, ro, k, wtt, o, len);
                        }
                    }
                }
                for (int o = 0; o < m; o++)
                    for (int i = 0; i < h; i++)
                        WriteRow(ps + (long)o * len + i * wp, (float*)pdst + (((long)s * m + o) * h + i) * wd, wd, bias, o, relu, accumulate);
            }
        });
        TensorArena<float>.Return(wt);
    }

    // One image row of the output: d (+)= row (+ bias[o]), then max(·, 0) when relu; 8 lanes, then the tail.
    private static void WriteRow(float* row, float* d, int wd, float[]? bias, int o, bool relu, bool accumulate)
    {
        int j = 0;
        if (accumulate)
        {
            for (; j + Lanes <= wd; j += Lanes) (Vector256.Load(d + j) + Vector256.Load(row + j)).Store(d + j);
            for (; j < wd; j++) d[j] += row[j];
            return;
        }
        bool addBias = bias is not null;
        float b = addBias ? bias![o] : 0f;
        for (; j + Lanes <= wd; j += Lanes)
        {
            var v = Vector256.Load(row + j);
            if (addBias) v += Vector256.Create(b);
            if (relu) v = Vector256.Max(v, Vector256<float>.Zero);
            v.Store(d + j);
        }
        for (; j < wd; j++)
        {
            float v = addBias ? row[j] + b : row[j];
            d[j] = relu ? MathF.Max(v, 0f) : v;
        }
    }

    // out[a·stride + 0..24) = Σ_p wt[p·4 + a] · x[rowOff[p] + 0..24) for the 4 rows a of one tile.
    private static void Tile3(float* x, int* rowOff, int k, float* wt, float* outp, int stride)
    {
        Vector256<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector256<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        for (int p = 0; p < k; p++)
        {
            float* xp = x + rowOff[p];
            var x0 = Vector256.Load(xp); var x1 = Vector256.Load(xp + 8); var x2 = Vector256.Load(xp + 16);
            var w = Vector256.Create(wt[0]);
            c00 = Vector256.FusedMultiplyAdd(w, x0, c00); c01 = Vector256.FusedMultiplyAdd(w, x1, c01); c02 = Vector256.FusedMultiplyAdd(w, x2, c02);
            w = Vector256.Create(wt[1]);
            c10 = Vector256.FusedMultiplyAdd(w, x0, c10); c11 = Vector256.FusedMultiplyAdd(w, x1, c11); c12 = Vector256.FusedMultiplyAdd(w, x2, c12);
            w = Vector256.Create(wt[2]);
            c20 = Vector256.FusedMultiplyAdd(w, x0, c20); c21 = Vector256.FusedMultiplyAdd(w, x1, c21); c22 = Vector256.FusedMultiplyAdd(w, x2, c22);
            w = Vector256.Create(wt[3]);
            c30 = Vector256.FusedMultiplyAdd(w, x0, c30); c31 = Vector256.FusedMultiplyAdd(w, x1, c31); c32 = Vector256.FusedMultiplyAdd(w, x2, c32);
            wt += Rows;
        }
        float* o0 = outp, o1 = outp + stride, o2 = outp + 2 * stride, o3 = outp + 3 * stride;
        c00.Store(o0); c01.Store(o0 + 8); c02.Store(o0 + 16);
        c10.Store(o1); c11.Store(o1 + 8); c12.Store(o1 + 16);
        c20.Store(o2); c21.Store(o2 + 8); c22.Store(o2 + 16);
        c30.Store(o3); c31.Store(o3 + 8); c32.Store(o3 + 16);
    }

    // Tile3 for 16 positions.
    private static void Tile2(float* x, int* rowOff, int k, float* wt, float* outp, int stride)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < k; p++)
        {
            float* xp = x + rowOff[p];
            var x0 = Vector256.Load(xp); var x1 = Vector256.Load(xp + 8);
            var w = Vector256.Create(wt[0]);
            c00 = Vector256.FusedMultiplyAdd(w, x0, c00); c01 = Vector256.FusedMultiplyAdd(w, x1, c01);
            w = Vector256.Create(wt[1]);
            c10 = Vector256.FusedMultiplyAdd(w, x0, c10); c11 = Vector256.FusedMultiplyAdd(w, x1, c11);
            w = Vector256.Create(wt[2]);
            c20 = Vector256.FusedMultiplyAdd(w, x0, c20); c21 = Vector256.FusedMultiplyAdd(w, x1, c21);
            w = Vector256.Create(wt[3]);
            c30 = Vector256.FusedMultiplyAdd(w, x0, c30); c31 = Vector256.FusedMultiplyAdd(w, x1, c31);
            wt += Rows;
        }
        c00.Store(outp); c01.Store(outp + 8);
        c10.Store(outp + stride); c11.Store(outp + stride + 8);
        c20.Store(outp + 2 * stride); c21.Store(outp + 2 * stride + 8);
        c30.Store(outp + 3 * stride); c31.Store(outp + 3 * stride + 8);
    }

    // Tile3 for 8 positions.
    private static void Tile1(float* x, int* rowOff, int k, float* wt, float* outp, int stride)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default;
        for (int p = 0; p < k; p++)
        {
            var xv = Vector256.Load(x + rowOff[p]);
            c0 = Vector256.FusedMultiplyAdd(Vector256.Create(wt[0]), xv, c0);
            c1 = Vector256.FusedMultiplyAdd(Vector256.Create(wt[1]), xv, c1);
            c2 = Vector256.FusedMultiplyAdd(Vector256.Create(wt[2]), xv, c2);
            c3 = Vector256.FusedMultiplyAdd(Vector256.Create(wt[3]), xv, c3);
            wt += Rows;
        }
        c0.Store(outp); c1.Store(outp + stride); c2.Store(outp + 2 * stride); c3.Store(outp + 3 * stride);
    }

    // Grids shorter than one vector: the same sums, scalar.
    private static void Small(float* x, int* rowOff, int k, float* wt, int tiles, int len, float* outp)
    {
        for (int t = 0; t < tiles; t++)
            for (int a = 0; a < Rows; a++)
                for (int q = 0; q < len; q++)
                {
                    float acc = 0;
                    for (int p = 0; p < k; p++) acc = MathF.FusedMultiplyAdd(wt[((long)t * k + p) * Rows + a], x[rowOff[p] + q], acc);
                    outp[((long)t * Rows + a) * len + q] = acc;
                }
    }
}
