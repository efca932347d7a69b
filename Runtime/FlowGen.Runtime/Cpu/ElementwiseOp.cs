// Runs an elementwise chain (one operator or a fused sequence) in one pass over the output. The output is
// cut into fixed 8 K-element chunks (independent of the thread count, so results are too); inside a
// chunk, pieces never cross a "block": the longest innermost run over which every operand is either
// contiguous or a single broadcast value. Each piece is loaded once and every step applied in cache.
using FlowGen.Runtime.Graph;

namespace FlowGen.Runtime.Cpu;

internal sealed unsafe class ElementwiseOp : CpuOp, IParallelJob
{
    private const int Chunk = 8192;
    private readonly ChainParams _chain;
    private readonly long[][] _strides;   // per operand, aligned to the output rank; 0 = broadcast
    private readonly bool[] _scalarRun;   // per operand: constant across a block
    private long _total, _block;
    private int _split;                   // dims [0, _split) address blocks

    public ElementwiseOp(PlanStep step, byte* arena) : base(step, arena)
    {
        _chain = (ChainParams)step.Params!;
        int rank = step.Outputs[0].Shape.Length;
        _strides = step.Inputs.Select(_ => new long[rank]).ToArray();
        _scalarRun = new bool[step.Inputs.Length];
    }

    protected override void OnBind()
    {
        var od = OutDims[0];
        int rank = od.Length;
        for (int k = 0; k < _strides.Length; k++) BroadcastStrides(InDims[k], rank, _strides[k]);
        _total = Product(od);
        _block = 1;
        _split = rank;
        Span<int> kind = stackalloc int[_strides.Length]; // 0 unknown, 1 contiguous, 2 broadcast
        kind.Clear();
        for (int d = rank - 1; d >= 0; d--)
        {
            if (od[d] == 1) { _split = d; continue; }
            bool ok = true;
            for (int k = 0; k < _strides.Length && ok; k++)
            {
                int kd = _strides[k][d] == 0 ? 2 : _strides[k][d] == _block ? 1 : 3;
                ok = kd != 3 && (kind[k] == 0 || kind[k] == kd);
            }
            if (!ok) break;
            for (int k = 0; k < _strides.Length; k++) kind[k] = _strides[k][d] == 0 ? 2 : 1;
            _block *= od[d];
            _split = d;
        }
        for (int k = 0; k < _strides.Length; k++) _scalarRun[k] = kind[k] != 1;
    }

    public override void Execute(WorkerPool pool) => pool.For(this, (int)((_total + Chunk - 1) / Chunk));

    public void Execute(int item)
    {
        long start = (long)item * Chunk, end = Math.Min(_total, start + Chunk);
        while (start < end)
        {
            long block = start / _block, within = start % _block;
            int len = (int)Math.Min(end - start, _block - within);
            RunPiece(block, within, start, len);
            start += len;
        }
    }

    private void RunPiece(long block, long within, long outStart, int len)
    {
        var y = OutF(0) + outStart;
        var first = Operand(_chain.First, block, within);
        if (_scalarRun[_chain.First]) new Span<float>(y, len).Fill(*first);
        else if (first != y) Buffer.MemoryCopy(first, y, len * 4L, len * 4L);
        foreach (var op in _chain.Ops)
        {
            if (op.Operand < 0) Unary(op, y, len);
            else if (_scalarRun[op.Operand]) Scalar(op, y, *Operand(op.Operand, block, within), len);
            else Vector(op, y, Operand(op.Operand, block, within), len);
        }
    }

    /// <summary>Address of operand k's element for position <paramref name="within"/> of block <paramref name="block"/>.</summary>
    private float* Operand(int k, long block, long within)
    {
        var od = OutDims[0];
        var s = _strides[k];
        long off = 0, rem = block;
        for (int d = _split - 1; d >= 0; d--)
        {
            off += rem % od[d] * s[d];
            rem /= od[d];
        }
        if (!_scalarRun[k]) off += within;
        return InF(k) + off;
    }

    private static void Unary(MicroOp op, float* y, int n)
    {
        switch (op.Kind)
        {
            case ElementwiseKind.Sqrt: ElementwiseDriver.Unary<SqrtOperator>(y, y, n); break;
            case ElementwiseKind.Exp: ElementwiseDriver.Unary<ExpOperator>(y, y, n); break;
            case ElementwiseKind.Log: ElementwiseDriver.Unary<LogOperator>(y, y, n); break;
            case ElementwiseKind.Neg: ElementwiseDriver.Unary<NegateOperator>(y, y, n); break;
            case ElementwiseKind.Abs: ElementwiseDriver.Unary<AbsOperator>(y, y, n); break;
            case ElementwiseKind.Relu: ElementwiseDriver.Unary<ReluOperator>(y, y, n); break;
            case ElementwiseKind.Sigmoid: ElementwiseDriver.Unary<SigmoidOperator>(y, y, n); break;
            case ElementwiseKind.Tanh: ElementwiseDriver.Unary<TanhOperator>(y, y, n); break;
            case ElementwiseKind.Softplus: ElementwiseDriver.Unary<SoftplusOperator>(y, y, n); break;
            case ElementwiseKind.LeakyRelu: ElementwiseDriver.BinaryScalar<LeakyReluOperator>(y, op.A, y, n, false); break;
            case ElementwiseKind.Clip:
                ElementwiseDriver.BinaryScalar<MaxOperator>(y, op.A, y, n, false);
                ElementwiseDriver.BinaryScalar<MinOperator>(y, op.B, y, n, false);
                break;
            default: throw new InvalidOperationException($"{op.Kind} is not unary");
        }
    }

    private static void Scalar(MicroOp op, float* y, float s, int n)
    {
        bool r = op.Reversed;
        switch (op.Kind)
        {
            case ElementwiseKind.Add: ElementwiseDriver.BinaryScalar<AddOperator>(y, s, y, n, r); break;
            case ElementwiseKind.Sub: ElementwiseDriver.BinaryScalar<SubtractOperator>(y, s, y, n, r); break;
            case ElementwiseKind.Mul: ElementwiseDriver.BinaryScalar<MultiplyOperator>(y, s, y, n, r); break;
            case ElementwiseKind.Div: ElementwiseDriver.BinaryScalar<DivideOperator>(y, s, y, n, r); break;
            case ElementwiseKind.Pow: ElementwiseDriver.BinaryScalar<PowOperator>(y, s, y, n, r); break;
            case ElementwiseKind.Min: ElementwiseDriver.BinaryScalar<MinOperator>(y, s, y, n, r); break;
            case ElementwiseKind.Max: ElementwiseDriver.BinaryScalar<MaxOperator>(y, s, y, n, r); break;
            default: throw new InvalidOperationException($"{op.Kind} is not binary");
        }
    }

    private static void Vector(MicroOp op, float* y, float* b, int n)
    {
        // out = op(out, b), or op(b, out) when reversed
        float* l = op.Reversed ? b : y, r = op.Reversed ? y : b;
        switch (op.Kind)
        {
            case ElementwiseKind.Add: ElementwiseDriver.Binary<AddOperator>(l, r, y, n); break;
            case ElementwiseKind.Sub: ElementwiseDriver.Binary<SubtractOperator>(l, r, y, n); break;
            case ElementwiseKind.Mul: ElementwiseDriver.Binary<MultiplyOperator>(l, r, y, n); break;
            case ElementwiseKind.Div: ElementwiseDriver.Binary<DivideOperator>(l, r, y, n); break;
            case ElementwiseKind.Pow: ElementwiseDriver.Binary<PowOperator>(l, r, y, n); break;
            case ElementwiseKind.Min: ElementwiseDriver.Binary<MinOperator>(l, r, y, n); break;
            case ElementwiseKind.Max: ElementwiseDriver.Binary<MaxOperator>(l, r, y, n); break;
            default: throw new InvalidOperationException($"{op.Kind} is not binary");
        }
    }
}
