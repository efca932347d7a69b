// The fast path of Conv2dKernel for stride-1 convolutions (any kernel size, dilation, pads, groups):
// implicit GEMM on the register-blocked micro-kernel. Per group, Y[co, q] = b[co] + sum_p W[co, p] *
// Xpad[koff[p] + q], where p runs over (ci, kh, kw) and q over output positions laid out in the padded
// input's coordinates, so each B "row" is just a shifted view of the (zero-padded) input: no im2col.
// Output positions are cut into segments of one register (16/8/4/1 floats):
//   rows: each output row in ceil(Wo/W) segments, the last one shifted back to end at Wo (overlapping
//         lanes are recomputed bit-identically); a 1x1 unpadded conv is one row of H*W;
//   flat: for small images, segments run over the flat padded plane (Ho rows of Wp): whole registers are
//         stored into an output plane of that same Ho x Wp layout in scratch, and a compaction pass copies
//         its Wo valid columns per row into the output (lanes in the padding columns are dropped there).
// A parallel item is a fixed tile of 4 consecutive segments of the whole batch (crossing images), so
// the split and every sum's order are independent of the thread count.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FlowGen.Runtime.Cpu;

internal sealed unsafe class Conv2dKernelBlocked
{
    private readonly Conv2dShape _s;
    private readonly int _width;            // floats per register on the chosen path
    private readonly bool _copy;            // input goes through a zero-padded copy in scratch
    private readonly int _hp, _wp;          // padded input plane (when copied)
    private readonly int _planeIn, _planeOut;
    private readonly bool _flat;
    private readonly int _planeFlat;        // flat layout: floats per output plane in scratch (Ho x Wp, at least one register)
    private readonly int _segsPerImage, _k, _coBlocks;
    private readonly int[] _segInArr, _segOutArr, _koffArr;
    private readonly float[] _packedArr, _biasArr;
    private readonly int* _segIn, _segOut, _koff;           // _segOut: offset in the output plane (flat: in the Ho x Wp plane)
    private readonly float* _packed, _bias;                 // [g][cb][k][4], [g][cb][4]
    private readonly FusedActivation _act;
    private readonly float _alpha;
    private readonly TileJob _tiles;
    private readonly PadJob _pad;
    private readonly CompactJob _compact;

    private Conv2dKernelBlocked(in Conv2dShape s, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, FusedActivation act, float alpha)
    {
        _s = s;
        _act = act;
        _alpha = alpha;
        int ho = s.OutHeight, wo = s.OutWidth;
        bool padded = s.PadTop + s.PadLeft + s.PadBottom + s.PadRight > 0;
        bool pointwise = s.KernelH == 1 && s.KernelW == 1 && !padded;
        // rows layout: a 1x1 unpadded conv is one long row.
        int rows = pointwise ? 1 : ho, rowLen = pointwise ? ho * wo : wo;
        int wRows = WidestAtMost(rowLen);
        long segsRows = (long)rows * ((rowLen + wRows - 1) / wRows);
        // flat layout over the padded plane (always copied).
        int wpFlat = s.InWidth + s.PadLeft + s.PadRight;
        int qEnd = (ho - 1) * wpFlat + wo;
        int wFlat = WidestAtMost(int.MaxValue);
        long segsFlat = (qEnd + wFlat - 1) / wFlat;
        bool flat = !pointwise && wFlat > wRows && segsFlat < segsRows;
        _width = flat ? wFlat : wRows;
        _copy = flat || padded;
        _hp = s.InHeight + s.PadTop + s.PadBottom;
        _wp = _copy ? wpFlat : s.InWidth;
        _planeIn = _copy ? _hp * _wp : s.InHeight * s.InWidth;
        _planeOut = ho * wo;
        _flat = flat;
        int w = _width;
        _planeFlat = flat ? Math.Max(ho * wpFlat, w) : 0;

        // Segment tables.
        var segIn = new List<int>();
        var segOut = new List<int>();
        if (!flat)
        {
            int perRow = (rowLen + w - 1) / w;
            for (int r = 0; r < rows; r++)
                for (int j = 0; j < perRow; j++)
                {
                    int start = Math.Min(j * w, rowLen - w);
                    segIn.Add(pointwise ? start : r * _wp + start);
                    segOut.Add(r * rowLen + start);
                }
        }
        else
        {
            for (int j = 0; j < segsFlat; j++)
            {
                int start = qEnd >= w ? Math.Min(j * w, qEnd - w) : 0;  // else the register overhangs into the slack
                segIn.Add(start);
                segOut.Add(start);
            }
        }
        _segsPerImage = segIn.Count;
        _segInArr = Pinned(segIn, out _segIn);
        _segOutArr = Pinned(segOut, out _segOut);

        // B offsets for p = (ci, kh, kw) in weight order.
        int cinG = s.GroupInChannels, coutG = s.GroupOutChannels;
        _k = cinG * s.KernelH * s.KernelW;
        var koff = new List<int>(_k);
        for (int ci = 0; ci < cinG; ci++)
            for (int kh = 0; kh < s.KernelH; kh++)
                for (int kw = 0; kw < s.KernelW; kw++)
                    koff.Add(ci * _planeIn + kh * s.DilationH * _wp + kw * s.DilationW);
        _koffArr = Pinned(koff, out _koff);

        // Weights packed per group and block of 4 output channels as [k][4], zero rows past CoutG.
        _coBlocks = (coutG + GemmMicroKernel.Rows - 1) / GemmMicroKernel.Rows;
        const int R = GemmMicroKernel.Rows;
        var packed = new float[Math.Max(1, s.Groups * _coBlocks * _k * R)];
        var biasPacked = new float[s.Groups * _coBlocks * R];
        for (int g = 0; g < s.Groups; g++)
            for (int cb = 0; cb < _coBlocks; cb++)
                for (int r = 0; r < R; r++)
                {
                    int col = cb * R + r;
                    if (col >= coutG) continue;
                    int co = g * coutG + col;
                    int blk = g * _coBlocks + cb;
                    if (bias.Length != 0) biasPacked[blk * R + r] = bias[co];
                    for (int p = 0; p < _k; p++) packed[((long)blk * _k + p) * R + r] = weight[co * _k + p];
                }
        _packedArr = Conv2dKernel.PinnedCopy(packed, out _packed);
        _biasArr = Conv2dKernel.PinnedCopy(biasPacked, out _bias);
        _tiles = new TileJob(this);
        _pad = new PadJob(this);
        _compact = new CompactJob(this);
    }

    /// <summary>The blocked kernel for <paramref name="s"/>, or null when it does not apply (strides other than 1).</summary>
    public static Conv2dKernelBlocked? TryCreate(in Conv2dShape s, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, FusedActivation act, float alpha)
    {
        if (s.StrideH != 1 || s.StrideW != 1) return null;
        long plane = (long)(s.InHeight + s.PadTop + s.PadBottom) * (s.InWidth + s.PadLeft + s.PadRight);
        if (plane * s.GroupInChannels > int.MaxValue / 2) return null;  // offsets are int
        return new Conv2dKernelBlocked(s, weight, bias, act, alpha);
    }

    /// <summary>Floats per register on the path this kernel runs (16, 8, 4 or 1).</summary>
    public int Width => _width;

    public long ScratchFloats(int batch) => (_copy ? (long)batch * _s.InChannels * _planeIn + _width : 0) + (_flat ? (long)batch * _s.OutChannels * _planeFlat + 16 : 0);

    // Flat layout: the Ho x Wp output planes in scratch, after the padded input (64-byte aligned).
    private float* FlatOut(float* scratch, int batch) => scratch + ((long)batch * _s.InChannels * _planeIn + _width + 15) / 16 * 16;

    public void Run(float* x, float* y, int batch, float* scratch, WorkerPool pool)
    {
        float* xin = x;
        if (_copy)
        {
            _pad.X = x;
            _pad.Scratch = scratch;
            int planes = batch * _s.InChannels;
            if ((long)planes * _planeIn < 1 << 15) for (int i = 0; i < planes; i++) _pad.Execute(i);
            else pool.For(_pad, planes);
            new Span<float>(scratch + (long)planes * _planeIn, _width).Clear();  // slack an overhanging register may read
            xin = scratch;
        }
        _tiles.X = xin;
        _tiles.Y = _flat ? FlatOut(scratch, batch) : y;
        _tiles.Batch = batch;
        long segs = (long)batch * _segsPerImage;
        pool.For(_tiles, (int)((segs + GemmMicroKernel.Segments - 1) / GemmMicroKernel.Segments));
        if (!_flat) return;
        _compact.Flat = _tiles.Y;
        _compact.Y = y;
        int outPlanes = batch * _s.OutChannels;
        if ((long)outPlanes * _planeOut < 1 << 15) for (int i = 0; i < outPlanes; i++) _compact.Execute(i);
        else pool.For(_compact, outPlanes);
    }

    private static int WidestAtMost(int n)
    {
        if (Vector512.IsHardwareAccelerated && n >= 16) return 16;
        if (Vector256.IsHardwareAccelerated && n >= 8) return 8;
        if (Vector128.IsHardwareAccelerated && n >= 4) return 4;
        return 1;
    }

    private static int[] Pinned(List<int> values, out int* pointer)
    {
        var array = GC.AllocateUninitializedArray<int>(Math.Max(values.Count, 1), pinned: true);
        values.CopyTo(array);
        pointer = (int*)Unsafe.AsPointer(ref array[0]);
        return array;
    }

    // Copies one input plane (n, ci) into the zero-padded scratch plane.
    private sealed class PadJob(Conv2dKernelBlocked k) : IParallelJob
    {
        public float* X, Scratch;

        public void Execute(int index)
        {
            var s = k._s;
            float* dst = Scratch + (long)index * k._planeIn;
            float* src = X + (long)index * s.InHeight * s.InWidth;
            ClearSmall(dst, k._planeIn);
            dst += s.PadTop * k._wp + s.PadLeft;
            for (int h = 0; h < s.InHeight; h++) CopyRow(src + h * s.InWidth, dst + h * k._wp, s.InWidth);
        }
    }

    // Flat layout: copies the Wo valid columns of each row of one Ho x Wp output plane into the output.
    private sealed class CompactJob(Conv2dKernelBlocked k) : IParallelJob
    {
        public float* Flat, Y;

        public void Execute(int index)
        {
            int ho = k._s.OutHeight, wo = k._s.OutWidth;
            float* src = Flat + (long)index * k._planeFlat, dst = Y + (long)index * k._planeOut;
            for (int h = 0; h < ho; h++) CopyRow(src + h * k._wp, dst + h * wo, wo);
        }
    }

    // Rows and planes here are a few to a few hundred floats: vector moves, not a memmove or memset call each.
    private static void CopyRow(float* src, float* dst, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) for (; i + 16 <= n; i += 16) Vector512.Store(Vector512.Load(src + i), dst + i);
        for (; i + 8 <= n; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
        if (i + 4 <= n) { Vector128.Store(Vector128.Load(src + i), dst + i); i += 4; }
        for (; i < n; i++) dst[i] = src[i];
    }

    private static void ClearSmall(float* dst, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated) for (; i + 16 <= n; i += 16) Vector512.Store(Vector512<float>.Zero, dst + i);
        for (; i + 8 <= n; i += 8) Vector256.Store(Vector256<float>.Zero, dst + i);
        if (i + 4 <= n) { Vector128.Store(Vector128<float>.Zero, dst + i); i += 4; }
        for (; i < n; i++) dst[i] = 0f;
    }

    // One item = 4 consecutive segments of the batch, all groups and output-channel blocks.
    [SkipLocalsInit]
    private sealed class TileJob(Conv2dKernelBlocked k) : IParallelJob
    {
        public float* X, Y;
        public int Batch;

        public void Execute(int index)
        {
            switch (k._width)
            {
                case 16: Tile<Vector512<float>, GemmVector512>(index); break;
                case 8: Tile<Vector256<float>, GemmVector256>(index); break;
                case 4: Tile<Vector128<float>, GemmVector128>(index); break;
                default: Tile<float, GemmScalar>(index); break;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Tile<TV, TOps>(int index) where TV : struct where TOps : struct, IGemmVector<TV>
        {
            var s = k._s;
            const int R = GemmMicroKernel.Rows, V = GemmMicroKernel.Segments;
            int w = TOps.Count;
            float* tile = stackalloc float[R * V * 16];
            int total = Batch * k._segsPerImage;
            int first = index * V, valid = Math.Min(V, total - first);
            // Per segment: input and output base of group 0, channel block 0.
            float** inBase = stackalloc float*[V];
            float** outBase = stackalloc float*[V];
            int planeOut = k._flat ? k._planeFlat : k._planeOut;
            for (int v = 0; v < V; v++)
            {
                int gs = Math.Min(first + v, total - 1), n = gs / k._segsPerImage, seg = gs % k._segsPerImage;
                inBase[v] = X + (long)n * s.InChannels * k._planeIn + k._segIn[seg];
                outBase[v] = Y + (long)n * s.OutChannels * planeOut + k._segOut[seg];
            }
            int coutG = s.GroupOutChannels;
            bool direct = k._act is FusedActivation.None or FusedActivation.Relu or FusedActivation.LeakyRelu;
            TV alpha = TOps.Splat(k._alpha);
            long inGroup = (long)s.GroupInChannels * k._planeIn;
            for (int g = 0; g < s.Groups; g++)
            {
                long gi = g * inGroup;
                for (int cb = 0; cb < k._coBlocks; cb++)
                {
                    int blk = g * k._coBlocks + cb;
                    int rows = Math.Min(R, coutG - cb * R);
                    long oo = ((long)g * coutG + cb * R) * planeOut;
                    if (rows == R && valid == V && direct)
                    {
                        // A whole tile with an activation the sink applies: registers straight to the output.
                        var sink = new DirectSink<TV, TOps>(outBase[0] + oo, outBase[1] + oo, outBase[2] + oo, outBase[3] + oo, planeOut, k._act, alpha);
                        GemmMicroKernel.Tile<TV, TOps, DirectSink<TV, TOps>>(k._packed + (long)blk * k._k * R, k._k, k._koff,
                            inBase[0] + gi, inBase[1] + gi, inBase[2] + gi, inBase[3] + gi, k._bias + blk * R, ref sink);
                        continue;
                    }
                    GemmMicroKernel.Tile<TV, TOps>(k._packed + (long)blk * k._k * R, k._k, k._koff,
                        inBase[0] + gi, inBase[1] + gi, inBase[2] + gi, inBase[3] + gi, k._bias + blk * R, tile);
                    for (int r = 0; r < rows; r++)
                        for (int v = 0; v < valid; v++)
                            StoreSegment<TV, TOps>(tile + (r * V + v) * w, outBase[v] + oo + (long)r * planeOut);
                }
            }
        }

        // Stores a tile's registers to four output segments, rows planeOut apart, through None, Relu or LeakyRelu.
        private readonly struct DirectSink<TV, TOps>(float* d0, float* d1, float* d2, float* d3, long rowStride, FusedActivation act, TV alpha)
            : ITileSink<TV> where TV : struct where TOps : struct, IGemmVector<TV>
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void Put(int row, int segment, TV acc)
            {
                float* d = segment == 0 ? d0 : segment == 1 ? d1 : segment == 2 ? d2 : d3;
                if (act == FusedActivation.Relu) acc = TOps.Relu(acc);
                else if (act == FusedActivation.LeakyRelu) acc = TOps.LeakyRelu(acc, alpha);
                TOps.Store(d + row * rowStride, acc);
            }
        }

        // Activation and store of one register.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void StoreSegment<TV, TOps>(float* src, float* dst) where TV : struct where TOps : struct, IGemmVector<TV>
        {
            var act = k._act;
            TV acc = TOps.Load(src);
            if (act == FusedActivation.Relu) acc = TOps.Relu(acc);
            else if (act == FusedActivation.LeakyRelu) acc = TOps.LeakyRelu(acc, TOps.Splat(k._alpha));
            else if (act != FusedActivation.None)
            {
                for (int l = 0; l < TOps.Count; l++) src[l] = Conv2dKernelDirect.Activate(src[l], act, k._alpha);
                acc = TOps.Load(src);
            }
            TOps.Store(dst, acc);
        }
    }
}
