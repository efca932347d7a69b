// Non-elementwise maths: Softmax, comparisons, Where, Cast, ReduceSum/ReduceMean, CumSum and the
// ConstantOfShape fill. Reductions run in a fixed order (ascending index), so results never depend on
// the thread count.
using FlowGen.Runtime.Graph;

namespace FlowGen.Runtime.Cpu;

internal sealed unsafe class SoftmaxOp(PlanStep step, byte* arena) : CpuOp(step, arena), IParallelJob
{
    private readonly int _axis = ((AxisParams)step.Params!).Axis;
    private long _inner;
    private int _len;

    protected override void OnBind()
    {
        _len = InDims[0][_axis];
        _inner = Product(InDims[0].AsSpan(_axis + 1));
    }

    public override void Execute(WorkerPool pool) => pool.For(this, (int)Product(InDims[0].AsSpan(0, _axis)));

    public void Execute(int o)
    {
        for (long i = 0; i < _inner; i++)
        {
            float* x = InF(0) + o * _len * _inner + i, y = OutF(0) + o * _len * _inner + i;
            if (_inner == 1)
            {
                float max = float.NegativeInfinity;
                for (int k = 0; k < _len; k++) max = MaxOperator.Invoke(max, x[k]);
                ElementwiseDriver.BinaryScalar<SubtractOperator>(x, max, y, _len, false);
                ElementwiseDriver.Unary<ExpOperator>(y, y, _len);
                float sum = 0;
                for (int k = 0; k < _len; k++) sum += y[k];
                ElementwiseDriver.BinaryScalar<DivideOperator>(y, sum, y, _len, false);
            }
            else
            {
                float max = float.NegativeInfinity, sum = 0;
                for (int k = 0; k < _len; k++) max = MaxOperator.Invoke(max, x[k * _inner]);
                for (int k = 0; k < _len; k++) sum += y[k * _inner] = MathF.Exp(x[k * _inner] - max);
                for (int k = 0; k < _len; k++) y[k * _inner] /= sum;
            }
        }
    }
}

/// <summary>Less, Greater, Equal on float32 with broadcasting; bool output.</summary>
internal sealed unsafe class CompareOp(PlanStep step, byte* arena) : CpuOp(step, arena)
{
    private readonly CompareKind _kind = ((CompareParams)step.Params!).Kind;

    public override void Execute(WorkerPool pool)
    {
        var od = OutDims[0];
        int rank = od.Length;
        Span<long> strides = stackalloc long[2 * rank];
        BroadcastStrides(InDims[0], rank, strides[..rank]);
        BroadcastStrides(InDims[1], rank, strides[rank..]);
        var w = new BroadcastWalker(od, strides, stackalloc int[Math.Max(rank, 1)], 2);
        float* a = InF(0), b = InF(1);
        byte* y = Out(0);
        long n = Product(od);
        for (long i = 0; i < n; i++, w.Next())
        {
            float x = a[w.A], z = b[w.B];
            y[i] = (_kind switch { CompareKind.Less => x < z, CompareKind.Greater => x > z, _ => x == z }) ? (byte)1 : (byte)0;
        }
    }
}

internal sealed unsafe class WhereOp(PlanStep step, byte* arena) : CpuOp(step, arena)
{
    private readonly int _elem = ElementTypes.Size(step.Outputs[0].Type);

    public override void Execute(WorkerPool pool)
    {
        var od = OutDims[0];
        int rank = od.Length;
        Span<long> strides = stackalloc long[3 * rank];
        for (int k = 0; k < 3; k++) BroadcastStrides(InDims[k], rank, strides.Slice(k * rank, rank));
        var w = new BroadcastWalker(od, strides, stackalloc int[Math.Max(rank, 1)], 3);
        byte* c = In(0), x = In(1), z = In(2), y = Out(0);
        long n = Product(od);
        for (long i = 0; i < n; i++, w.Next())
        {
            byte* src = c[w.A] != 0 ? x + w.B * _elem : z + w.C * _elem;
            for (int e = 0; e < _elem; e++) y[i * _elem + e] = src[e];
        }
    }
}

internal sealed unsafe class CastOp(PlanStep step, byte* arena) : CpuOp(step, arena)
{
    private readonly ElementType _from = step.Inputs[0]!.Type, _to = ((CastParams)step.Params!).To;

    public override void Execute(WorkerPool pool)
    {
        long n = Product(OutDims[0]);
        byte* x = In(0), y = Out(0);
        for (long i = 0; i < n; i++)
        {
            switch (_from, _to)
            {
                case (ElementType.Float32, ElementType.Int64): ((long*)y)[i] = float.IsNaN(((float*)x)[i]) ? 0 : (long)((float*)x)[i]; break;
                case (ElementType.Float32, ElementType.Bool): y[i] = ((float*)x)[i] != 0 ? (byte)1 : (byte)0; break;
                case (ElementType.Int64, ElementType.Float32): ((float*)y)[i] = ((long*)x)[i]; break;
                case (ElementType.Int64, ElementType.Bool): y[i] = ((long*)x)[i] != 0 ? (byte)1 : (byte)0; break;
                case (ElementType.Bool, ElementType.Float32): ((float*)y)[i] = x[i] != 0 ? 1f : 0f; break;
                case (ElementType.Bool, ElementType.Int64): ((long*)y)[i] = x[i] != 0 ? 1 : 0; break;
                default:
                    int e = ElementTypes.Size(_to);
                    Buffer.MemoryCopy(x + i * e, y + i * e, e, e);
                    break;
            }
        }
    }
}

/// <summary>ReduceSum / ReduceMean over sorted axes: each output sums its inputs in ascending index order.</summary>
internal sealed unsafe class ReduceOp(PlanStep step, byte* arena) : CpuOp(step, arena)
{
    private readonly ReduceParams _p = (ReduceParams)step.Params!;

    public override void Execute(WorkerPool pool)
    {
        var id = InDims[0];
        int rank = id.Length;
        long outCount = Product(OutDims[0]), inCount = Product(id);
        float* x = InF(0), y = OutF(0);
        new Span<float>(y, (int)outCount).Clear();
        if (inCount == 0) return;
        // output strides as seen from the input's index space (0 on reduced axes)
        Span<long> strides = stackalloc long[Math.Max(rank, 1)];
        long s = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            if (Array.IndexOf(_p.Axes, d) >= 0) strides[d] = 0;
            else { strides[d] = s; s *= id[d]; }
        }
        // The input in row-major order, each value added into its output: a walker over all but the last two axes, the
        // last two as plain loops (rows of the last axis summed in place when it is reduced, added across when not), so
        // every output sums its inputs in the same order as one element at a time.
        int inner = rank >= 1 ? id[rank - 1] : 1, middle = rank >= 2 ? id[rank - 2] : 1, outerRank = Math.Max(rank - 2, 0);
        long innerStride = rank >= 1 ? strides[rank - 1] : 0, middleStride = rank >= 2 ? strides[rank - 2] : 0;
        var w = new BroadcastWalker(id.AsSpan(0, outerRank), strides[..outerRank], stackalloc int[Math.Max(outerRank, 1)], 1);
        long block = (long)inner * middle;
        for (long i = 0; i < inCount; i += block, w.Next())
            for (int m = 0; m < middle; m++)
            {
                float* xr = x + i + (long)m * inner, yr = y + w.A + m * middleStride;
                if (innerStride == 0)
                {
                    float acc = *yr;
                    for (int t = 0; t < inner; t++) acc += xr[t];
                    *yr = acc;
                }
                else for (int t = 0; t < inner; t++) yr[t] += xr[t];
            }
        if (_p.Mean)
        {
            float div = inCount / (float)Math.Max(1, outCount);
            for (long i = 0; i < outCount; i++) y[i] /= div;
        }
    }
}

internal sealed unsafe class CumSumOp(PlanStep step, byte* arena) : CpuOp(step, arena)
{
    private readonly CumSumParams _p = (CumSumParams)step.Params!;

    public override void Execute(WorkerPool pool)
    {
        var id = InDims[0];
        long outer = Product(id.AsSpan(0, _p.Axis)), inner = Product(id.AsSpan(_p.Axis + 1));
        int len = id[_p.Axis];
        float* x = InF(0), y = OutF(0);
        for (long o = 0; o < outer; o++)
            for (long i = 0; i < inner; i++)
            {
                float acc = 0;
                for (int k = 0; k < len; k++)
                {
                    int kk = _p.Reverse ? len - 1 - k : k;
                    long at = (o * len + kk) * inner + i;
                    float v = x[at];
                    if (_p.Exclusive) { y[at] = acc; acc += v; }
                    else { acc += v; y[at] = acc; }
                }
            }
    }
}

/// <summary>ConstantOfShape whose shape depends on the batch: fills the output with the value.</summary>
internal sealed unsafe class FillOp(PlanStep step, byte* arena) : CpuOp(step, arena)
{
    private readonly byte[] _value = ((FillParams)step.Params!).Value.Data;

    public override void Execute(WorkerPool pool)
    {
        long n = Product(OutDims[0]);
        byte* y = Out(0);
        for (long i = 0; i < n; i++)
            for (int e = 0; e < _value.Length; e++) y[i * _value.Length + e] = _value[e];
    }
}
