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
//         Up to 8 images of the batch sit side by side in one padded plane, P = W + max(pad left, pad
//         right) apart: their padding columns are shared, so a 4x4 image wastes 1 lane in 5 instead of 1
//         in 2 (an 8x8 one 1 in 9 instead of 1 in 5). Output column c of image g lies at g·P + c of the
//         plane's rows and reads only its own columns and zeros, so a value is the same whichever images
//         share its plane (a batch's last, partial group has its own tables).
// A parallel item is a fixed tile of 3 consecutive segments (GemmMicroKernel.Segments) of the batch's planes (crossing planes of the
// same layout), so the split and every sum's order are independent of the thread count.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FlowGen.Runtime.Cpu;

internal sealed unsafe class Conv2dKernelBlocked
{
    private readonly Conv2dShape _s;
    private readonly int _width;            // floats per register on the chosen path
    private readonly bool _copy;            // input goes through a zero-padded copy in scratch
    private readonly int _hp;               // padded input plane height (when copied)
    private readonly int _planeOut;
    private readonly bool _flat;
    private readonly int _stack;            // images side by side in one plane (1 unless flat and worth it)
    private readonly int _period;           // columns from one image to the next in a plane
    private readonly Layout[] _layouts;     // [images in the plane - 1]; rows layout: one, for single images
    private readonly int _k, _coBlocks;
    private int _runFull;                   // the current Run's batch: full planes, and the partial plane's layout (null: none)
    private Layout? _runPartial;
    private readonly float[] _packedArr, _biasArr;
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
        // flat layout over the padded plane (always copied), with as many images a plane as waste the fewest lanes
        // while the plane's input and output stay in L1.
        int wFlat = WidestAtMost(int.MaxValue);
        _period = s.InWidth + Math.Max(s.PadLeft, s.PadRight);
        long segsFlat = FlatSegments(1, wFlat);
        bool flat = !pointwise && wFlat > wRows && segsFlat < segsRows;
        _stack = flat ? BestStack(wFlat) : 1;
        _width = flat ? wFlat : wRows;
        _copy = flat || padded;
        _hp = s.InHeight + s.PadTop + s.PadBottom;
        _planeOut = ho * wo;
        _flat = flat;
        _k = s.GroupInChannels * s.KernelH * s.KernelW;
        _layouts = flat ? Enumerable.Range(1, _stack).Select(g => FlatLayout(g)).ToArray() : [RowsLayout(pointwise, rows, rowLen)];
        // Weights packed per group and block of 4 output channels as [k][4], zero rows past CoutG.
        int coutG = s.GroupOutChannels;
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

    /// <summary>Images a flat-layout plane holds side by side at most.</summary>
    internal const int MaxStack = 8;

    /// <summary>Bytes of a plane's padded input and flat output (all channels) that stacking keeps within: L1's share.
    /// Eight 8x8 images of 64 channels (190 KB) ran 7 % slower than one at a time (25 KB) though they waste fewer lanes.</summary>
    internal const int StackBytes = 32 << 10;

    // The images a plane: fewest register lanes per output among 1..MaxStack whose plane fits StackBytes (ties: fewer).
    private int BestStack(int w)
    {
        var s = _s;
        int best = 1;
        double bestLanes = (double)FlatSegments(1, w) * w / (s.OutHeight * s.OutWidth);
        for (int g = 2; g <= MaxStack; g++)
        {
            long bytes = sizeof(float) * PlaneWidth(g) * ((long)s.InChannels * (s.InHeight + s.PadTop + s.PadBottom) + (long)s.OutChannels * s.OutHeight);
            if (bytes > StackBytes) break;
            double lanes = (double)FlatSegments(g, w) * w / ((long)g * s.OutHeight * s.OutWidth);
            if (lanes < bestLanes - 1e-9) (best, bestLanes) = (g, lanes);
        }
        return best;
    }

    /// <summary>Images side by side in one plane on this kernel's path (1: one image a plane).</summary>
    public int Stack => _stack;

    public long ScratchFloats(int batch) => (_copy ? InFloats(batch) + _width : 0) + (_flat ? OutFloats(batch) + 16 : 0);

    // A batch as planes of _stack images plus one of the remaining images.
    private (int Full, int Partial) Split(int batch) => (batch / _stack, batch % _stack);

    private Layout Full => _layouts[_stack - 1];

    // Floats of the padded input planes (all channels) and of the flat layout's output planes of a batch.
    private long InFloats(int batch)
    {
        var (full, rest) = Split(batch);
        return _s.InChannels * ((long)full * Full.PlaneIn + (rest > 0 ? _layouts[rest - 1].PlaneIn : 0));
    }

    private long OutFloats(int batch)
    {
        var (full, rest) = Split(batch);
        return _s.OutChannels * ((long)full * Full.PlaneFlat + (rest > 0 ? _layouts[rest - 1].PlaneFlat : 0));
    }

    // Flat layout: the output planes in scratch, after the padded input (64-byte aligned).
    private float* FlatOut(float* scratch, int batch) => scratch + (InFloats(batch) + _width + 15) / 16 * 16;

    public void Run(float* x, float* y, int batch, float* scratch, WorkerPool pool)
    {
        float* xin = x;
        var (full, rest) = Split(batch);
        int planes = full + (rest > 0 ? 1 : 0);
        (_runFull, _runPartial) = (full, rest > 0 ? _layouts[rest - 1] : null);
        if (_copy)
        {
            _pad.X = x;
            _pad.Scratch = scratch;
            long inFloats = InFloats(batch);
            if (inFloats < 1 << 15) for (int i = 0; i < planes; i++) _pad.Execute(i);
            else pool.For(_pad, planes);
            new Span<float>(scratch + inFloats, _width).Clear();  // slack an overhanging register may read
            xin = scratch;
        }
        _tiles.X = xin;
        _tiles.Y = _flat ? FlatOut(scratch, batch) : y;
        _tiles.Batch = batch;
        const int V = GemmMicroKernel.Segments;
        int items = (int)(((long)full * Full.Segs + V - 1) / V) + (rest > 0 ? (_layouts[rest - 1].Segs + V - 1) / V : 0);
        pool.For(_tiles, items);
        if (!_flat) return;
        _compact.Flat = _tiles.Y;
        _compact.Y = y;
        if ((long)batch * _s.OutChannels * _planeOut < 1 << 15) for (int i = 0; i < planes; i++) _compact.Execute(i);
        else pool.For(_compact, planes);
    }

    // Plane p of the current Run's batch: its layout (the last, partial one has its own), and its offsets in the padded
    // input and in the flat output (every plane before it is a full one).
    private (Layout L, long In, long Out) Plane(int p)
    {
        var f = Full;
        return (p < _runFull ? f : _runPartial!, (long)p * _s.InChannels * f.PlaneIn, (long)p * _s.OutChannels * f.PlaneFlat);
    }

    // Columns of a padded plane holding `images` images side by side, _period apart.
    private long PlaneWidth(int images) => (long)(images - 1) * _period + _s.InWidth + _s.PadLeft + _s.PadRight;

    // Segments of a flat layout with `images` images a plane, registers of w floats.
    private long FlatSegments(int images, int w)
    {
        var s = _s;
        long wp = PlaneWidth(images);
        long qEnd = (s.OutHeight - 1) * wp + (long)(images - 1) * _period + s.OutWidth;
        return Math.Max(1, (qEnd + w - 1) / w);
    }

    // Flat layout with `images` images a plane, P = _period columns apart.
    private Layout FlatLayout(int images)
    {
        var s = _s;
        int w = _width, ho = s.OutHeight, wo = s.OutWidth;
        int wp = checked((int)PlaneWidth(images));
        int qEnd = checked((ho - 1) * wp + (images - 1) * _period + wo);
        var segs = new List<int>();
        for (int j = 0; j * w < qEnd; j++) segs.Add(qEnd >= w ? Math.Min(j * w, qEnd - w) : 0);  // qEnd < w: the register overhangs into the slack
        return new Layout(images, wp, checked(_hp * wp), Math.Max(checked(ho * wp), w), segs, segs, Koff(checked(_hp * wp), wp));
    }

    // Rows layout, one image a plane: each output row in registers, the last shifted back to end at Wo.
    private Layout RowsLayout(bool pointwise, int rows, int rowLen)
    {
        var s = _s;
        int w = _width, wp = _copy ? s.InWidth + s.PadLeft + s.PadRight : s.InWidth;
        int planeIn = _copy ? _hp * wp : s.InHeight * s.InWidth;
        var segIn = new List<int>();
        var segOut = new List<int>();
        int perRow = (rowLen + w - 1) / w;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < perRow; j++)
            {
                int start = Math.Min(j * w, rowLen - w);
                segIn.Add(pointwise ? start : r * wp + start);
                segOut.Add(r * rowLen + start);
            }
        return new Layout(1, wp, planeIn, 0, segIn, segOut, Koff(planeIn, wp));
    }

    // B offsets for p = (ci, kh, kw) in weight order.
    private List<int> Koff(int planeIn, int wp)
    {
        var s = _s;
        var koff = new List<int>(_k);
        for (int ci = 0; ci < s.GroupInChannels; ci++)
            for (int kh = 0; kh < s.KernelH; kh++)
                for (int kw = 0; kw < s.KernelW; kw++)
                    koff.Add(checked(ci * planeIn + kh * s.DilationH * wp + kw * s.DilationW));
        return koff;
    }

    // Where one plane's values sit: `Images` images side by side, Wp columns a row (padded when copied), PlaneIn floats
    // a channel; Segs registers of outputs starting at SegIn in the input plane and SegOut in the output plane (flat: the
    // Ho x Wp plane in scratch of PlaneFlat floats a channel); Koff the B offset of each (ci, kh, kw).
    private sealed class Layout
    {
        private readonly int[] _segIn, _segOut, _koff;

        public Layout(int images, int wp, int planeIn, int planeFlat, List<int> segIn, List<int> segOut, List<int> koff)
        {
            (Images, Wp, PlaneIn, PlaneFlat, Segs) = (images, wp, planeIn, planeFlat, segIn.Count);
            _segIn = Pinned(segIn, out SegIn);
            _segOut = Pinned(segOut, out SegOut);
            _koff = Pinned(koff, out Koff);
        }

        public int Images { get; }
        public int Wp { get; }
        public int PlaneIn { get; }
        public int PlaneFlat { get; }
        public int Segs { get; }
        public readonly int* SegIn, SegOut, Koff;
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

    // Copies plane p's images, every channel, into the zero-padded scratch planes.
    private sealed class PadJob(Conv2dKernelBlocked k) : IParallelJob
    {
        public float* X, Scratch;

        public void Execute(int p)
        {
            var s = k._s;
            var (l, inOffset, _) = k.Plane(p);
            int wp = l.Wp, images = l.Images, period = k._period, h = s.InHeight, w = s.InWidth, plane = h * w;
            for (int ci = 0; ci < s.InChannels; ci++)
            {
                float* dst = Scratch + inOffset + (long)ci * l.PlaneIn;
                ClearSmall(dst, l.PlaneIn);
                dst += s.PadTop * wp + s.PadLeft;
                for (int g = 0; g < images; g++)
                {
                    float* src = X + ((long)(p * k._stack + g) * s.InChannels + ci) * plane, d = dst + g * period;
                    for (int r = 0; r < h; r++) CopyRow(src + r * w, d + r * wp, w);
                }
            }
        }
    }

    // Flat layout: copies the Wo valid columns of each row of each image of plane p, every output channel, into the output.
    private sealed class CompactJob(Conv2dKernelBlocked k) : IParallelJob
    {
        public float* Flat, Y;

        public void Execute(int p)
        {
            var s = k._s;
            var (l, _, outOffset) = k.Plane(p);
            int wp = l.Wp, images = l.Images, period = k._period, ho = s.OutHeight, wo = s.OutWidth, planeOut = k._planeOut;
            for (int co = 0; co < s.OutChannels; co++)
            {
                float* src = Flat + outOffset + (long)co * l.PlaneFlat;
                for (int g = 0; g < images; g++)
                {
                    float* dst = Y + ((long)(p * k._stack + g) * s.OutChannels + co) * planeOut, sg = src + g * period;
                    for (int r = 0; r < ho; r++) CopyRow(sg + r * wp, dst + r * wo, wo);
                }
            }
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

    // One item = GemmMicroKernel.Segments consecutive segments of the batch, all groups and output-channel blocks.
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
            // Items first cover the full planes' segments (crossing planes), then the last, partial plane's.
            int full = k._runFull;
            var l = k.Full;
            int planes = full, fullItems = (int)(((long)full * l.Segs + V - 1) / V);
            long inOffset = 0, outOffset = 0;
            if (index >= fullItems)
            {
                (l, inOffset, outOffset) = k.Plane(full);
                (planes, index) = (1, index - fullItems);
            }
            int total = planes * l.Segs;
            int first = index * V, valid = Math.Min(V, total - first);
            // Per segment: input and output base of group 0, channel block 0.
            float** inBase = stackalloc float*[V];
            float** outBase = stackalloc float*[V];
            int planeOut = k._flat ? l.PlaneFlat : k._planeOut;   // output floats a channel: flat plane in scratch, or the output's
            for (int v = 0; v < V; v++)
            {
                int gs = Math.Min(first + v, total - 1), n = gs / l.Segs, seg = gs % l.Segs;
                inBase[v] = X + inOffset + (long)n * s.InChannels * l.PlaneIn + l.SegIn[seg];
                outBase[v] = Y + outOffset + (long)n * s.OutChannels * planeOut + l.SegOut[seg];
            }
            int coutG = s.GroupOutChannels;
            bool direct = k._act is FusedActivation.None or FusedActivation.Relu or FusedActivation.LeakyRelu;
            TV alpha = TOps.Splat(k._alpha);
            long inGroup = (long)s.GroupInChannels * l.PlaneIn;
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
                        var sink = new DirectSink<TV, TOps>(outBase[0] + oo, outBase[1] + oo, outBase[2] + oo, planeOut, k._act, alpha);
                        GemmMicroKernel.Tile<TV, TOps, DirectSink<TV, TOps>>(k._packed + (long)blk * k._k * R, k._k, l.Koff,
                            inBase[0] + gi, inBase[1] + gi, inBase[2] + gi, k._bias + blk * R, ref sink);
                        continue;
                    }
                    GemmMicroKernel.Tile<TV, TOps>(k._packed + (long)blk * k._k * R, k._k, l.Koff,
                        inBase[0] + gi, inBase[1] + gi, inBase[2] + gi, k._bias + blk * R, tile);
                    for (int r = 0; r < rows; r++)
                        for (int v = 0; v < valid; v++)
                            StoreSegment<TV, TOps>(tile + (r * V + v) * w, outBase[v] + oo + (long)r * planeOut);
                }
            }
        }

        // Stores a tile's registers to its three output segments, rows planeOut apart, through None, Relu or LeakyRelu.
        private readonly struct DirectSink<TV, TOps>(float* d0, float* d1, float* d2, long rowStride, FusedActivation act, TV alpha)
            : ITileSink<TV> where TV : struct where TOps : struct, IGemmVector<TV>
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void Put(int row, int segment, TV acc)
            {
                float* d = segment == 0 ? d0 : segment == 1 ? d1 : d2;
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
