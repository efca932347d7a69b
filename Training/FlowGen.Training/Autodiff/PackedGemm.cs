// The training engine's float GEMM: C (+)= A·B where every operand is a "view" addressed through two
// offset tables, element (r, c) at base[rowOff[r] + colOff[c]]. One routine thus serves plain and
// transposed matrices and the batch-blocked NCHW layouts of convolutions (column j = sample·HW + q).
// BLIS-style: A (a small weight matrix) is packed once per call into MR-row panels, B per K block into
// NR-wide panels; both B and C are copied run by run where their column offsets are contiguous (image
// rows and planes), with vector moves. A register-blocked MR × NR micro-kernel (Vector512, Vector256
// or scalar) accumulates each tile over the block.
// Work items are fixed (row panel, column chunk) tiles and every element sums p in ascending order
// within fixed K blocks, so results are bitwise identical for any thread count.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FlowGen.Training.Autodiff;

/// <summary>A matrix view: element (r, c) = Base[RowOff[r] + ColOff[c]].</summary>
internal readonly unsafe struct MatView(float* @base, int[] rowOff, int[] colOff)
{
    public readonly float* Base = @base;
    public readonly int[] RowOff = rowOff;
    public readonly int[] ColOff = colOff;

    /// <summary>Offsets 0, s, 2s, … (n of them).</summary>
    public static int[] Strided(int n, int s)
    {
        var o = new int[n];
        for (int i = 0; i < n; i++) o[i] = i * s;
        return o;
    }

    /// <summary>Offsets of index j = b·block + q in a batch whose items are <paramref name="itemStride"/> apart.</summary>
    public static int[] Blocked(int n, int block, int itemStride)
    {
        var o = new int[n];
        for (int j = 0; j < n; j++) o[j] = j / block * itemStride + j % block;
        return o;
    }
}

internal static unsafe class PackedGemm
{
    private const int MR = 6, KC = 256, ChunkPanels = 8, BlockPanels = 8;
    private static readonly int NR = Vector512.IsHardwareAccelerated ? 32 : 16;

    /// <summary>C[m,n] = A[m,k]·B[k,n] (+ C when <paramref name="accumulate"/>). A is small (a weight matrix).</summary>
    public static void Run(int m, int n, int k, MatView a, MatView b, MatView c, bool accumulate)
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate)
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++) c.Base[c.RowOff[i] + c.ColOff[j]] = 0;
            return;
        }
        int nr = NR, panels = (n + nr - 1) / nr, rowPanels = (m + MR - 1) / MR, mPad = rowPanels * MR;
        int chunks = (panels + ChunkPanels - 1) / ChunkPanels;
        // Rows are split into blocks only when there are too few column chunks to share out; the split
        // never changes a sum, so it may follow the work's shape.
        int blockPanels = chunks >= 4 ? rowPanels : BlockPanels, rowBlocks = (rowPanels + blockPanels - 1) / blockPanels;
        // A is packed once for all items: the panel of rows ip in the K block at p0 starts at p0·mPad + ip·MR·kc.
        var aPacked = AScratch.Get(mPad * k);
        fixed (float* paAll = aPacked)
        {
            for (int p0 = 0; p0 < k; p0 += KC)
                for (int ip = 0; ip < rowPanels; ip++)
                {
                    int kc = Math.Min(KC, k - p0);
                    PackA(a, ip * MR, Math.Min(MR, m - ip * MR), p0, kc, paAll + (long)p0 * mPad + (long)ip * MR * kc);
                }
            nint paBase = (nint)paAll;
            // An item is (row block, column chunk): it packs its B chunk once per K block into thread scratch
            // (L2-sized) and sweeps its row panels over it.
            Engine.For(rowBlocks * chunks, item =>
            {
                int rb = item / chunks, ch = item % chunks;
                int jp0 = ch * ChunkPanels, jp1 = Math.Min(panels, jp0 + ChunkPanels);
                int ip0 = rb * blockPanels, ip1 = Math.Min(rowPanels, ip0 + blockPanels);
                var scratch = BScratch.Get(ChunkPanels * nr * KC);
                float* tile = stackalloc float[MR * 32];
                int* bRuns = stackalloc int[33];
                int* cRuns = stackalloc int[ChunkPanels * 33];
                int* cRunCount = stackalloc int[ChunkPanels];
                for (int jp = jp0; jp < jp1; jp++)
                    cRunCount[jp - jp0] = Runs(c.ColOff, jp * nr, Math.Min(nr, n - jp * nr), cRuns + (jp - jp0) * 33);
                fixed (float* pb = scratch)
                {
                    for (int p0 = 0; p0 < k; p0 += KC)
                    {
                        int kc = Math.Min(KC, k - p0);
                        bool acc = accumulate || p0 > 0;
                        for (int jp = jp0; jp < jp1; jp++)
                        {
                            int j0 = jp * nr, ncols = Math.Min(nr, n - j0);
                            PackB(b, p0, kc, j0, ncols, nr, Runs(b.ColOff, j0, ncols, bRuns), bRuns, pb + (long)(jp - jp0) * nr * kc);
                        }
                        for (int ip = ip0; ip < ip1; ip++)
                        {
                            int i0 = ip * MR, mr = Math.Min(MR, m - i0);
                            float* pa = (float*)paBase + (long)p0 * mPad + (long)ip * MR * kc;
                            for (int jp = jp0; jp < jp1; jp++)
                            {
                                Kernel(pa, pb + (long)(jp - jp0) * nr * kc, kc, tile);
                                StoreTile(c, i0, mr, jp * nr, nr, tile, cRunCount[jp - jp0], cRuns + (jp - jp0) * 33, acc);
                            }
                        }
                    }
                }
            });
        }
    }

    private static class BScratch
    {
        [ThreadStatic] private static float[]? t_buf;

        public static float[] Get(int n)
        {
            var b = t_buf;
            if (b is null || b.Length < n) t_buf = b = new float[n];
            return b;
        }
    }

    private static class AScratch
    {
        [ThreadStatic] private static float[]? t_buf;

        public static float[] Get(int n)
        {
            var b = t_buf;
            if (b is null || b.Length < n) t_buf = b = new float[n];
            return b;
        }
    }

    // Splits columns [j0, j0 + ncols) of a view into runs that are contiguous in memory: run t covers
    // [starts[t], starts[t + 1]) relative to j0. Conv views have runs of an image row (W) or plane (H·W).
    private static int Runs(int[] colOff, int j0, int ncols, int* starts)
    {
        int count = 0;
        starts[0] = 0;
        for (int j = 1; j < ncols; j++)
            if (colOff[j0 + j] != colOff[j0 + j - 1] + 1) starts[++count] = j;
        starts[++count] = ncols;
        return count;
    }

    // dst[0..len) = src[0..len), widest vectors first, then the scalar tail.
    private static void Copy(float* src, float* dst, int len)
    {
        int j = 0;
        for (; j + 8 <= len; j += 8) Vector256.Store(Vector256.Load(src + j), dst + j);
        if (j + 4 <= len)
        {
            Vector128.Store(Vector128.Load(src + j), dst + j);
            j += 4;
        }
        for (; j < len; j++) dst[j] = src[j];
    }

    // dst[0..len) += src[0..len), as Copy.
    private static void AddTo(float* src, float* dst, int len)
    {
        int j = 0;
        for (; j + 8 <= len; j += 8) Vector256.Store(Vector256.Load(dst + j) + Vector256.Load(src + j), dst + j);
        if (j + 4 <= len)
        {
            Vector128.Store(Vector128.Load(dst + j) + Vector128.Load(src + j), dst + j);
            j += 4;
        }
        for (; j < len; j++) dst[j] += src[j];
    }

    // C(i0 + r, j0 + j) (+)= tile[r * nr + j] for the valid rows, run by contiguous run.
    private static void StoreTile(MatView c, int i0, int mr, int j0, int nr, float* tile, int runCount, int* runs, bool acc)
    {
        for (int r = 0; r < mr; r++)
        {
            float* crow = c.Base + c.RowOff[i0 + r];
            float* t = tile + r * nr;
            for (int u = 0; u < runCount; u++)
            {
                int s = runs[u], len = runs[u + 1] - s;
                if (acc) AddTo(t + s, crow + c.ColOff[j0 + s], len);
                else Copy(t + s, crow + c.ColOff[j0 + s], len);
            }
        }
    }

    // A panel: pa[p * MR + r] = A(i0 + r, p0 + p), rows beyond m zero.
    private static void PackA(MatView a, int i0, int mr, int p0, int kc, float* pa)
    {
        for (int r = 0; r < MR; r++)
        {
            if (r >= mr)
            {
                for (int p = 0; p < kc; p++) pa[p * MR + r] = 0;
                continue;
            }
            float* row = a.Base + a.RowOff[i0 + r];
            for (int p = 0; p < kc; p++) pa[p * MR + r] = row[a.ColOff[p0 + p]];
        }
    }

    // B panel: pb[p * nr + j] = B(p0 + p, j0 + j), columns beyond n zero; copied run by contiguous run.
    private static void PackB(MatView b, int p0, int kc, int j0, int ncols, int nr, int runCount, int* runs, float* pb)
    {
        for (int p = 0; p < kc; p++)
        {
            float* row = b.Base + b.RowOff[p0 + p];
            float* dst = pb + p * nr;
            for (int u = 0; u < runCount; u++)
            {
                int s = runs[u];
                Copy(row + b.ColOff[j0 + s], dst + s, runs[u + 1] - s);
            }
            for (int j = ncols; j < nr; j++) dst[j] = 0;
        }
    }

    // tile[r * NR + j] = Σ_p pa[p*MR + r] · pb[p*NR + j], p ascending.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel(float* pa, float* pb, int kc, float* tile)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            for (int p = 0; p < kc; p++)
            {
                var b0 = Vector512.Load(pb);
                var b1 = Vector512.Load(pb + 16);
                var w = Vector512.Create(pa[0]); c00 = Vector512.FusedMultiplyAdd(w, b0, c00); c01 = Vector512.FusedMultiplyAdd(w, b1, c01);
                w = Vector512.Create(pa[1]); c10 = Vector512.FusedMultiplyAdd(w, b0, c10); c11 = Vector512.FusedMultiplyAdd(w, b1, c11);
                w = Vector512.Create(pa[2]); c20 = Vector512.FusedMultiplyAdd(w, b0, c20); c21 = Vector512.FusedMultiplyAdd(w, b1, c21);
                w = Vector512.Create(pa[3]); c30 = Vector512.FusedMultiplyAdd(w, b0, c30); c31 = Vector512.FusedMultiplyAdd(w, b1, c31);
                w = Vector512.Create(pa[4]); c40 = Vector512.FusedMultiplyAdd(w, b0, c40); c41 = Vector512.FusedMultiplyAdd(w, b1, c41);
                w = Vector512.Create(pa[5]); c50 = Vector512.FusedMultiplyAdd(w, b0, c50); c51 = Vector512.FusedMultiplyAdd(w, b1, c51);
                pa += MR;
                pb += 32;
            }
            c00.Store(tile); c01.Store(tile + 16); c10.Store(tile + 32); c11.Store(tile + 48);
            c20.Store(tile + 64); c21.Store(tile + 80); c30.Store(tile + 96); c31.Store(tile + 112);
            c40.Store(tile + 128); c41.Store(tile + 144); c50.Store(tile + 160); c51.Store(tile + 176);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
            Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
            for (int p = 0; p < kc; p++)
            {
                var b0 = Vector256.Load(pb);
                var b1 = Vector256.Load(pb + 8);
                var w = Vector256.Create(pa[0]); c00 = Vector256.FusedMultiplyAdd(w, b0, c00); c01 = Vector256.FusedMultiplyAdd(w, b1, c01);
                w = Vector256.Create(pa[1]); c10 = Vector256.FusedMultiplyAdd(w, b0, c10); c11 = Vector256.FusedMultiplyAdd(w, b1, c11);
                w = Vector256.Create(pa[2]); c20 = Vector256.FusedMultiplyAdd(w, b0, c20); c21 = Vector256.FusedMultiplyAdd(w, b1, c21);
                w = Vector256.Create(pa[3]); c30 = Vector256.FusedMultiplyAdd(w, b0, c30); c31 = Vector256.FusedMultiplyAdd(w, b1, c31);
                w = Vector256.Create(pa[4]); c40 = Vector256.FusedMultiplyAdd(w, b0, c40); c41 = Vector256.FusedMultiplyAdd(w, b1, c41);
                w = Vector256.Create(pa[5]); c50 = Vector256.FusedMultiplyAdd(w, b0, c50); c51 = Vector256.FusedMultiplyAdd(w, b1, c51);
                pa += MR;
                pb += 16;
            }
            c00.Store(tile); c01.Store(tile + 8); c10.Store(tile + 16); c11.Store(tile + 24);
            c20.Store(tile + 32); c21.Store(tile + 40); c30.Store(tile + 48); c31.Store(tile + 56);
            c40.Store(tile + 64); c41.Store(tile + 72); c50.Store(tile + 80); c51.Store(tile + 88);
        }
        else
        {
            // The specification: scalar fused multiply-adds in the same order as the vector lanes.
            for (int i = 0; i < MR * 16; i++) tile[i] = 0;
            for (int p = 0; p < kc; p++)
                for (int r = 0; r < MR; r++)
                    for (int j = 0; j < 16; j++) tile[r * 16 + j] = MathF.FusedMultiplyAdd(pa[p * MR + r], pb[p * 16 + j], tile[r * 16 + j]);
        }
    }
}
