// The operators with weights, on the kernels of Conv2dKernel and GemmKernel: Conv (bias and activation
// fused at compile time), MatMul (numpy broadcasting over leading dims) and Gemm.
using FlowGen.Runtime.Graph;

namespace FlowGen.Runtime.Cpu;

internal sealed unsafe class ConvOp : CpuOp
{
    private readonly Conv2dKernel _kernel;

    public ConvOp(PlanStep step, byte* arena) : base(step, arena)
    {
        var p = (ConvParams)step.Params!;
        var x = step.Inputs[0]!.Shape;
        var w = step.Inputs[1]!.Const!;
        var shape = new Conv2dShape((int)x[1].Const, (int)w.Shape[0], (int)x[2].Const, (int)x[3].Const, p.KernelH, p.KernelW,
            p.StrideH, p.StrideW, p.PadTop, p.PadLeft, p.PadBottom, p.PadRight, p.DilationH, p.DilationW, p.Group);
        var bias = step.Inputs.Length > 2 && step.Inputs[2]?.Const is { } b ? b.Floats : default;
        var act = p.Activation switch
        {
            Activation.Relu => FusedActivation.Relu,
            Activation.LeakyRelu => FusedActivation.LeakyRelu,
            Activation.Sigmoid => FusedActivation.Sigmoid,
            Activation.Tanh => FusedActivation.Tanh,
            _ => FusedActivation.None,
        };
        _kernel = new Conv2dKernel(shape, w.Floats, bias, act, p.Alpha);
    }

    public override long ScratchBytes(int maxBatch) => _kernel.ScratchFloats(maxBatch) * 4;

    public override void Execute(WorkerPool pool) => _kernel.Run(InF(0), OutF(0), InDims[0][0], (float*)Scratch, pool);
}

/// <summary>MatMul: [..., M, K] x [..., K, N] with the leading dims broadcast; 1-D operands as in numpy.</summary>
internal sealed unsafe class MatMulOp(PlanStep step, byte* arena) : CpuOp(step, arena)
{
    public override void Execute(WorkerPool pool)
    {
        var a = InDims[0];
        var b = InDims[1];
        int m = a.Length == 1 ? 1 : a[^2], k = a[^1], n = b.Length == 1 ? 1 : b[^1];
        var od = OutDims[0];
        int batchRank = Math.Max(0, od.Length - (a.Length > 1 ? 1 : 0) - (b.Length > 1 ? 1 : 0));
        Span<long> sa = stackalloc long[Math.Max(1, batchRank)];
        Span<long> sb = stackalloc long[Math.Max(1, batchRank)];
        var batchDims = od.AsSpan(0, batchRank);
        BroadcastStrides(a.Length > 2 ? a.AsSpan(0, a.Length - 2) : [], batchRank, sa[..batchRank]);
        BroadcastStrides(b.Length > 2 ? b.AsSpan(0, b.Length - 2) : [], batchRank, sb[..batchRank]);
        long batches = Product(batchDims);
        Span<int> idx = stackalloc int[Math.Max(1, batchRank)];
        idx.Clear();
        float* pa = InF(0), pb = InF(1), pc = OutF(0);
        for (long i = 0; i < batches; i++)
        {
            long oa = 0, ob = 0;
            for (int d = 0; d < batchRank; d++) { oa += idx[d] * sa[d]; ob += idx[d] * sb[d]; }
            GemmKernel.Run(false, false, m, n, k, 1f, pa + oa * m * k, Math.Max(1, k), pb + ob * k * n, Math.Max(1, n), 0f,
                pc + i * m * n, Math.Max(1, n), pool);
            for (int d = batchRank - 1; d >= 0; d--)
            {
                if (++idx[d] < batchDims[d]) break;
                idx[d] = 0;
            }
        }
    }
}

/// <summary>Gemm: Y = alpha op(A) op(B) + beta C, C broadcast to [M, N].</summary>
internal sealed unsafe class GemmOp(PlanStep step, byte* arena) : CpuOp(step, arena)
{
    private readonly GemmParams _p = (GemmParams)step.Params!;

    public override void Execute(WorkerPool pool)
    {
        var a = InDims[0];
        var b = InDims[1];
        int m = OutDims[0][0], n = OutDims[0][1], k = _p.TransA ? a[0] : a[1];
        float* y = OutF(0);
        float beta = 0;
        if (Step.Inputs.Length > 2 && Step.Inputs[2] is not null && _p.Beta != 0)
        {
            Span<long> s = stackalloc long[2];
            BroadcastStrides(InDims[2], 2, s);
            float* c = InF(2);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) y[(long)i * n + j] = c[i * s[0] + j * s[1]];
            beta = _p.Beta;
        }
        GemmKernel.Run(_p.TransA, _p.TransB, m, n, k, _p.Alpha, InF(0), Math.Max(1, a[1]), InF(1), Math.Max(1, b[1]), beta, y, Math.Max(1, n), pool);
    }
}
