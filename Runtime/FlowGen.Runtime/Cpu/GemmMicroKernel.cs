// The register-blocked inner kernel shared by GemmKernel and Conv2dKernel: a 4 x (3 registers) tile of
// C, i.e. 4 rows by 3 "segments" of TV.Count columns, 12 accumulators. A is a packed panel [k][4]
// (broadcast one element per row); B is addressed per segment as seg[v] + koff[p], so the same kernel
// runs a GEMM (koff[p] = p * ldb) and a convolution over shifted views of the padded input
// (koff = ci*plane + kh*dil*Wp + kw*dil: implicit im2col, nothing copied). Each accumulator sums
// p = 0..k-1 in order from its Init value, so an output never depends on the tiling around it.
//
// Why 4 x 3: the loop holds the accumulators, one register per segment of B and one broadcast of A. 12 + 3 + 1 = 16
// is every vector register of AVX2 (and SSE); a 4 x 4 tile needs 21, and the JIT spilled five accumulators to the
// stack, storing and reloading them every iteration (measured on this machine's Zen core: 4 x 4 at 46-52 GFLOP/s,
// 4 x 3 at 69-74 on one thread, panels in L1; 6 x 2 the same as 4 x 3 but wastes a third of a 6-row block on the
// flows' 4-channel output convolutions).
using System.Runtime.CompilerServices;

namespace FlowGen.Runtime.Cpu;

internal static unsafe class GemmMicroKernel
{
    /// <summary>Rows of C per tile (A panels are packed in groups of this many rows, zero-padded).</summary>
    public const int Rows = 4;

    /// <summary>Segments (registers of columns) per tile.</summary>
    public const int Segments = 3;

    /// <summary>Computes one 4 x 3-register tile, tile[r][v] = init[r] + sum_p a[p*4+r] * B_v[koff[p]], into
    /// <paramref name="tile"/> ([4][3][TV.Count] floats); <paramref name="init"/> is 4 floats or null for zeros.
    /// The result goes to memory rather than to a callback so that no accumulator is live across a call
    /// (all vector registers are caller-saved: the JIT would spill them inside the loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile<TV, TOps>(float* a, int k, int* koff, float* b0, float* b1, float* b2, float* init, float* tile)
        where TV : struct where TOps : struct, IGemmVector<TV>
    {
        var sink = new BufferSink<TV, TOps>(tile);
        Tile<TV, TOps, BufferSink<TV, TOps>>(a, k, koff, b0, b1, b2, init, ref sink);
    }

    /// <summary>The same tile, each accumulator handed to <paramref name="sink"/> (a struct: its Put is inlined, so the
    /// accumulators go straight from registers to wherever it stores them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TV, TOps, TSink>(float* a, int k, int* koff, float* b0, float* b1, float* b2, float* init, ref TSink sink)
        where TV : struct where TOps : struct, IGemmVector<TV> where TSink : struct, ITileSink<TV>
    {
        TV i0 = TOps.Zero, i1 = TOps.Zero, i2 = TOps.Zero, i3 = TOps.Zero;
        if (init != null)
        {
            i0 = TOps.Splat(init[0]); i1 = TOps.Splat(init[1]); i2 = TOps.Splat(init[2]); i3 = TOps.Splat(init[3]);
        }
        TV c00 = i0, c01 = i0, c02 = i0;
        TV c10 = i1, c11 = i1, c12 = i1;
        TV c20 = i2, c21 = i2, c22 = i2;
        TV c30 = i3, c31 = i3, c32 = i3;
        for (int p = 0; p < k; p++)
        {
            int o = koff[p];
            TV x0 = TOps.Load(b0 + o), x1 = TOps.Load(b1 + o), x2 = TOps.Load(b2 + o);
            TV w = TOps.Splat(a[0]);
            c00 = TOps.MulAdd(w, x0, c00); c01 = TOps.MulAdd(w, x1, c01); c02 = TOps.MulAdd(w, x2, c02);
            w = TOps.Splat(a[1]);
            c10 = TOps.MulAdd(w, x0, c10); c11 = TOps.MulAdd(w, x1, c11); c12 = TOps.MulAdd(w, x2, c12);
            w = TOps.Splat(a[2]);
            c20 = TOps.MulAdd(w, x0, c20); c21 = TOps.MulAdd(w, x1, c21); c22 = TOps.MulAdd(w, x2, c22);
            w = TOps.Splat(a[3]);
            c30 = TOps.MulAdd(w, x0, c30); c31 = TOps.MulAdd(w, x1, c31); c32 = TOps.MulAdd(w, x2, c32);
            a += Rows;
        }
        sink.Put(0, 0, c00); sink.Put(0, 1, c01); sink.Put(0, 2, c02);
        sink.Put(1, 0, c10); sink.Put(1, 1, c11); sink.Put(1, 2, c12);
        sink.Put(2, 0, c20); sink.Put(2, 1, c21); sink.Put(2, 2, c22);
        sink.Put(3, 0, c30); sink.Put(3, 1, c31); sink.Put(3, 2, c32);
    }
}

/// <summary>Where a finished tile's accumulators go: row r (0..3) of segment v (0..2).</summary>
internal interface ITileSink<TV> where TV : struct
{
    void Put(int row, int segment, TV acc);
}

/// <summary>The tile as [4][3][TV.Count] floats in memory.</summary>
internal readonly unsafe struct BufferSink<TV, TOps>(float* tile) : ITileSink<TV> where TV : struct where TOps : struct, IGemmVector<TV>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Put(int row, int segment, TV acc) => TOps.Store(tile + (row * GemmMicroKernel.Segments + segment) * TOps.Count, acc);
}
