// Operators that only move elements (any element type): Transpose and the depth/space rearrangements,
// Slice, Expand, Concat, Split, Gather. Parallel over the output's leading dimension where it has one.
using FlowGen.Runtime.Graph;

namespace FlowGen.Runtime.Cpu;

/// <summary>Shared by operators that are one StridedCopy: subclasses fill the view's dims, strides and source offset.</summary>
internal abstract unsafe class StridedViewOp : CpuOp, IParallelJob
{
    protected readonly int[] ViewDims = new int[StridedCopy.MaxRank];
    protected readonly long[] ViewStrides = new long[StridedCopy.MaxRank];
    protected int ViewRank;
    protected long SourceOffset;
    private readonly int _elem;

    protected StridedViewOp(PlanStep step, byte* arena) : base(step, arena) => _elem = ElementTypes.Size(step.Outputs[0].Type);

    public override void Execute(WorkerPool pool)
    {
        if (Product(OutDims[0]) == 0) return;
        if (ViewRank == 0) { Execute(0); return; }
        pool.For(this, ViewDims[0]);
    }

    public void Execute(int row) =>
        StridedCopy.Run(Out(0), In(0) + SourceOffset * _elem, ViewDims.AsSpan(0, ViewRank), ViewStrides.AsSpan(0, ViewRank), _elem, row, row + 1);
}

internal sealed unsafe class TransposeOp(PlanStep step, byte* arena) : StridedViewOp(step, arena)
{
    private readonly int[] _perm = ((TransposeParams)step.Params!).Perm;

    protected override void OnBind()
    {
        var id = InDims[0];
        Span<long> inStrides = stackalloc long[id.Length];
        long s = 1;
        for (int d = id.Length - 1; d >= 0; d--) { inStrides[d] = s; s *= id[d]; }
        ViewRank = _perm.Length;
        for (int d = 0; d < ViewRank; d++) { ViewDims[d] = id[_perm[d]]; ViewStrides[d] = inStrides[_perm[d]]; }
    }
}

/// <summary>DepthToSpace / SpaceToDepth as a 6-D transpose of a reshaped input.</summary>
internal sealed unsafe class RearrangeOp(PlanStep step, byte* arena) : StridedViewOp(step, arena)
{
    private readonly RearrangeParams _p = (RearrangeParams)step.Params!;

    protected override void OnBind()
    {
        int n = InDims[0][0], c = InDims[0][1], h = InDims[0][2], w = InDims[0][3], b = _p.BlockSize;
        Span<int> shape6 = stackalloc int[6];
        Span<int> perm = stackalloc int[6];
        if (_p.DepthToSpace && !_p.ColumnRowDepth) { Set(shape6, n, b, b, c / (b * b), h, w); Set(perm, 0, 3, 4, 1, 5, 2); }
        else if (_p.DepthToSpace) { Set(shape6, n, c / (b * b), b, b, h, w); Set(perm, 0, 1, 4, 2, 5, 3); }
        else { Set(shape6, n, c, h / b, b, w / b, b); Set(perm, 0, 3, 5, 1, 2, 4); }
        Span<long> strides = stackalloc long[6];
        long s = 1;
        for (int d = 5; d >= 0; d--) { strides[d] = s; s *= shape6[d]; }
        ViewRank = 6;
        for (int d = 0; d < 6; d++) { ViewDims[d] = shape6[perm[d]]; ViewStrides[d] = strides[perm[d]]; }

        static void Set(Span<int> t, int a, int b, int c, int d, int e, int f) { t[0] = a; t[1] = b; t[2] = c; t[3] = d; t[4] = e; t[5] = f; }
    }
}

internal sealed unsafe class SliceOp(PlanStep step, byte* arena) : StridedViewOp(step, arena)
{
    private readonly SliceParams _p = (SliceParams)step.Params!;

    protected override void OnBind()
    {
        var id = InDims[0];
        ViewRank = id.Length;
        long s = 1;
        for (int d = id.Length - 1; d >= 0; d--) { ViewStrides[d] = s; s *= id[d]; ViewDims[d] = id[d]; }
        SourceOffset = 0;
        for (int i = 0; i < _p.Axes.Length; i++)
        {
            int a = _p.Axes[i];
            var (start, count) = OpRules.SliceRange(id[a], _p.Starts[i], _p.Ends[i], _p.Steps[i]);
            SourceOffset += start * ViewStrides[a];
            ViewDims[a] = (int)count;
            ViewStrides[a] *= _p.Steps[i];
        }
    }
}

internal sealed unsafe class ExpandOp(PlanStep step, byte* arena) : StridedViewOp(step, arena)
{
    protected override void OnBind()
    {
        var od = OutDims[0];
        ViewRank = od.Length;
        BroadcastStrides(InDims[0], od.Length, ViewStrides.AsSpan(0, od.Length));
        od.CopyTo(ViewDims, 0);
    }
}

internal sealed unsafe class ConcatOp(PlanStep step, byte* arena) : CpuOp(step, arena)
{
    private readonly int _axis = ((AxisParams)step.Params!).Axis;
    private readonly int _elem = ElementTypes.Size(step.Outputs[0].Type);

    public override void Execute(WorkerPool pool)
    {
        var od = OutDims[0];
        long outer = Product(od.AsSpan(0, _axis)), inner = Product(od.AsSpan(_axis + 1)) * _elem;
        long outRow = od[_axis] * inner;
        long at = 0;
        for (int i = 0; i < Step.Inputs.Length; i++)
        {
            long rowBytes = InDims[i][_axis] * inner;
            byte* src = In(i), dst = Out(0) + at;
            for (long o = 0; o < outer; o++) Buffer.MemoryCopy(src + o * rowBytes, dst + o * outRow, rowBytes, rowBytes);
            at += rowBytes;
        }
    }
}

internal sealed unsafe class SplitOp(PlanStep step, byte* arena) : CpuOp(step, arena)
{
    private readonly int _axis = ((SplitParams)step.Params!).Axis;
    private readonly int _elem = ElementTypes.Size(step.Inputs[0]!.Type);

    public override void Execute(WorkerPool pool)
    {
        var id = InDims[0];
        long outer = Product(id.AsSpan(0, _axis)), inner = Product(id.AsSpan(_axis + 1)) * _elem;
        long inRow = id[_axis] * inner;
        long at = 0;
        for (int i = 0; i < Step.Outputs.Length; i++)
        {
            long rowBytes = OutDims[i][_axis] * inner;
            byte* src = In(0) + at, dst = Out(i);
            for (long o = 0; o < outer; o++) Buffer.MemoryCopy(src + o * inRow, dst + o * rowBytes, rowBytes, rowBytes);
            at += rowBytes;
        }
    }
}

internal sealed unsafe class GatherOp(PlanStep step, byte* arena) : CpuOp(step, arena)
{
    private readonly int _axis = ((AxisParams)step.Params!).Axis;
    private readonly int _elem = ElementTypes.Size(step.Outputs[0].Type);

    public override void Execute(WorkerPool pool)
    {
        var id = InDims[0];
        long outer = Product(id.AsSpan(0, _axis)), inner = Product(id.AsSpan(_axis + 1)) * _elem;
        long dim = id[_axis];
        long count = Product(InDims[1]);
        var idx = (long*)In(1);
        for (long j = 0; j < count; j++)
            if (idx[j] < -dim || idx[j] >= dim)
                throw new FlowGenException($"Gather '{Step.Name}': index {idx[j]} is out of range for dimension {dim}");
        byte* dst = Out(0);
        for (long o = 0; o < outer; o++)
            for (long j = 0; j < count; j++)
            {
                long k = idx[j] < 0 ? idx[j] + dim : idx[j];
                Buffer.MemoryCopy(In(0) + (o * dim + k) * inner, dst, inner, inner);
                dst += inner;
            }
    }
}
