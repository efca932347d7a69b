// The Vulkan backend's step encoding: each plan step's shapes and offsets at a batch size, as the ints its kernel's
// push constants point into (the layouts are in each Shaders/flow_*.comp), and the dispatches it takes.
using FlowGen.Runtime.Graph;

namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe partial class VulkanExecutor
{
    // Writes every step's parameters for the batch size into the slot and records its dispatches.
    private void Bind(Slot slot, int batch)
    {
        slot.Batch = -1;
        var prm = new ParamWriter(slot.Params.AsSpan<int>());
        _dispatches.Clear();
        _barrierAfter.Clear();
        foreach (var step in Plan.Steps)
        {
            Encode(step, batch, ref prm);
            _barrierAfter.Add(_dispatches.Count);
        }
        Record(slot, batch);
        slot.Batch = batch;
    }

    private void Encode(PlanStep step, int batch, ref ParamWriter prm)
    {
        int[][] inDims = step.Inputs.Select(v => v is null ? [] : Dims(v, batch)).ToArray();
        int[] outDims = Dims(step.Outputs[0], batch);
        long count = Product(outDims);
        if (count == 0) return;
        int outOff = Floats(step.Outputs[0]);
        switch (step.OpType)
        {
            case "Conv":
            {
                var p = (ConvParams)step.Params!;
                var x = inDims[0];
                var w = step.Inputs[1]!;
                int act = p.Activation switch { Activation.Relu => 1, Activation.LeakyRelu => 2, Activation.Sigmoid => 3, Activation.Tanh => 4, _ => 0 };
                int cpi = outDims[1] / p.Group % 4 == 0 ? 4 : 1;  // output channels an invocation computes
                uint at = prm.Begin();
                prm.Add(Floats(step.Inputs[0]!), Floats(w), step.Inputs.Length > 2 && step.Inputs[2] is { } b ? Floats(b) : -1, outOff,
                    x[0], x[1], x[2], x[3], outDims[1], outDims[2], outDims[3], p.KernelH, p.KernelW, p.StrideH, p.StrideW, p.PadTop, p.PadLeft,
                    p.DilationH, p.DilationW, p.Group, act, BitConverter.SingleToInt32Bits(p.Alpha), cpi);
                Dispatch(Kernel.Conv, at, count / cpi);
                break;
            }
            case "Elementwise":
            {
                var chain = (ChainParams)step.Params!;
                int rank = outDims.Length;
                if (rank > MaxRank) throw Unsupported(step, $"rank {rank}");
                uint at = prm.Begin();
                prm.Add(outOff, rank);
                prm.AddPadded(outDims, MaxRank);
                prm.Add(step.Inputs.Length, chain.First, chain.Ops.Length);
                Span<long> strides = stackalloc long[MaxRank];
                for (int k = 0; k < step.Inputs.Length; k++)
                {
                    strides.Clear();
                    Strides.Broadcast(inDims[k], rank, strides);
                    prm.Add(Floats(step.Inputs[k]!));
                    for (int dd = 0; dd < MaxRank; dd++) prm.Add(checked((int)strides[dd]));
                }
                foreach (var op in chain.Ops)
                    prm.Add((int)op.Kind, op.Operand, op.Reversed ? 1 : 0, BitConverter.SingleToInt32Bits(op.A), BitConverter.SingleToInt32Bits(op.B));
                Dispatch(Kernel.Eltwise, at, count);
                break;
            }
            case "Concat":
            {
                int axis = ((AxisParams)step.Params!).Axis, rank = outDims.Length;
                var outStrides = Contiguous(outDims);
                long along = 0;
                for (int i = 0; i < step.Inputs.Length; i++)
                {
                    var id = inDims[i];
                    if (Product(id) > 0)
                        EncodeCopy(ref prm, Floats(step.Inputs[i]!), checked((int)(outOff + along * outStrides[axis])), id, Contiguous(id), outStrides, rank, step);
                    along += id[axis];
                }
                break;
            }
            case "ReduceSum" or "ReduceMean":
            {
                var p = (ReduceParams)step.Params!;
                var id = inDims[0];
                if (id.Length > MaxRank) throw Unsupported(step, $"rank {id.Length}");
                int mask = 0;
                foreach (int a in p.Axes) mask |= 1 << a;
                long inCount = Product(id);
                float div = inCount / (float)Math.Max(1, count);
                uint at = prm.Begin();
                prm.Add(Floats(step.Inputs[0]!), outOff, id.Length);
                prm.AddPadded(id, MaxRank);
                var inStrides = Contiguous(id);
                for (int dd = 0; dd < MaxRank; dd++) prm.Add(dd < id.Length ? checked((int)inStrides[dd]) : 0);
                prm.Add(mask, p.Mean ? 1 : 0, BitConverter.SingleToInt32Bits(div));
                Dispatch(Kernel.Reduce, at, count);
                break;
            }
            default:
            {
                // One strided view of the input, written contiguously (the CPU's StridedViewOp operators).
                var (dims, strides, offset) = View(step, inDims[0], outDims);
                EncodeCopy(ref prm, checked((int)(Floats(step.Inputs[0]!) + offset)), outOff, dims, strides, Contiguous(dims), dims.Length, step);
                break;
            }
        }
    }

    private void EncodeCopy(ref ParamWriter prm, int inOff, int outOff, int[] dims, long[] inStrides, long[] outStrides, int rank, PlanStep step)
    {
        if (rank > MaxRank) throw Unsupported(step, $"rank {rank}");
        uint at = prm.Begin();
        prm.Add(inOff, outOff, rank);
        prm.AddPadded(dims, MaxRank);
        for (int d = 0; d < MaxRank; d++) prm.Add(d < rank ? checked((int)inStrides[d]) : 0);
        for (int d = 0; d < MaxRank; d++) prm.Add(d < rank ? checked((int)outStrides[d]) : 0);
        Dispatch(Kernel.Copy, at, Product(dims));
    }

    // The view a data-movement step reads its input through (dims, strides in elements, start offset), as the CPU's
    // TransposeOp, RearrangeOp, SliceOp and ExpandOp compute it.
    private static (int[] Dims, long[] Strides, long Offset) View(PlanStep step, int[] id, int[] od)
    {
        var inStrides = Contiguous(id);
        switch (step.OpType)
        {
            case "Transpose":
            {
                var perm = ((TransposeParams)step.Params!).Perm;
                return (perm.Select(p => id[p]).ToArray(), perm.Select(p => inStrides[p]).ToArray(), 0);
            }
            case "Slice":
            {
                var p = (SliceParams)step.Params!;
                var dims = (int[])id.Clone();
                var strides = (long[])inStrides.Clone();
                long offset = 0;
                for (int i = 0; i < p.Axes.Length; i++)
                {
                    int a = p.Axes[i];
                    var (start, n) = OpRules.SliceRange(id[a], p.Starts[i], p.Ends[i], p.Steps[i]);
                    offset += start * inStrides[a];
                    dims[a] = (int)n;
                    strides[a] = inStrides[a] * p.Steps[i];
                }
                return (dims, strides, offset);
            }
            case "Expand":
            {
                var strides = new long[od.Length];
                Strides.Broadcast(id, od.Length, strides);
                return ((int[])od.Clone(), strides, 0);
            }
            default: // DepthToSpace / SpaceToDepth: a 6-D transpose of the reshaped input
            {
                var p = (RearrangeParams)step.Params!;
                int n = id[0], c = id[1], h = id[2], w = id[3], b = p.BlockSize;
                int[] shape6, perm;
                if (p.DepthToSpace && !p.ColumnRowDepth) (shape6, perm) = ([n, b, b, c / (b * b), h, w], [0, 3, 4, 1, 5, 2]);
                else if (p.DepthToSpace) (shape6, perm) = ([n, c / (b * b), b, b, h, w], [0, 1, 4, 2, 5, 3]);
                else (shape6, perm) = ([n, c, h / b, b, w / b, b], [0, 3, 5, 1, 2, 4]);
                var s6 = Contiguous(shape6);
                return (perm.Select(q => shape6[q]).ToArray(), perm.Select(q => s6[q]).ToArray(), 0);
            }
        }
    }

    private void Dispatch(Kernel kernel, uint at, long count)
    {
        if (count > uint.MaxValue) throw new FlowGenException($"{Plan.Source}: a step of {count} elements is too large for one Vulkan dispatch", null);
        _dispatches.Add((kernel, at, (uint)count));
    }

    // Upper bound of the parameter ints of a plan (they do not depend on the batch size).
    private static long ParamInts(ExecutionPlan plan)
    {
        long n = 0;
        foreach (var s in plan.Steps)
            n += s.OpType switch
            {
                "Conv" => 23,
                "Elementwise" => 11 + 7L * s.Inputs.Length + 5L * ((ChainParams)s.Params!).Ops.Length,
                "Concat" => 21L * s.Inputs.Length,
                "ReduceSum" or "ReduceMean" => 18,
                _ => 21,
            };
        return n;
    }

    private static int[] Dims(PlanValue v, int batch)
    {
        var dims = new int[v.Shape.Length];
        SymShape.At(v.Shape, batch, dims);
        return dims;
    }

    private static int Floats(PlanValue v) => checked((int)(v.Offset / 4));

    private static long Product(int[] dims)
    {
        long p = 1;
        foreach (int d in dims) p *= d;
        return p;
    }

    private static long[] Contiguous(int[] dims)
    {
        var s = new long[dims.Length];
        long t = 1;
        for (int d = dims.Length - 1; d >= 0; d--) { s[d] = t; t *= dims[d]; }
        return s;
    }


    private FlowGenException Unsupported(PlanStep step, string what) =>
        new($"{Plan.Source}: {step.OpType} ('{step.Name}') with {what} is beyond the Vulkan backend (rank <= {MaxRank})", null);

    // Appends ints to the parameter buffer.
    private ref struct ParamWriter(Span<int> buffer)
    {
        private readonly Span<int> _buffer = buffer;
        private int _at;

        public uint Begin() => (uint)_at;

        public void Add(params ReadOnlySpan<int> values)
        {
            values.CopyTo(_buffer[_at..]);
            _at += values.Length;
        }

        public void AddPadded(int[] values, int length)
        {
            for (int i = 0; i < length; i++) _buffer[_at + i] = i < values.Length ? values[i] : 1;
            _at += length;
        }
    }
}
