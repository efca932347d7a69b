// Size and cost of a compiled plan, for `flowgen inspect` and benchmarks: parameters (float32 constants)
// and floating-point operations per run, counting a multiply-add as two and an elementwise step as one.
namespace FlowGen.Runtime.Graph;

internal static class PlanStatistics
{
    /// <summary>Float32 weights as the file stores them (fusion may fold some, e.g. ActNorm into convolutions).</summary>
    public static long Parameters(ExecutionPlan plan) => plan.SourceParameters;

    /// <summary>FLOPs of one run at <paramref name="batch"/>.</summary>
    public static long Flops(ExecutionPlan plan, int batch)
    {
        long total = 0;
        foreach (var s in plan.Steps) total += Flops(s, batch);
        return total;
    }

    /// <summary>FLOPs of one step at <paramref name="batch"/>.</summary>
    public static long Flops(PlanStep s, int batch)
    {
        long outCount = s.Outputs[0].ElementCount(batch);
        switch (s.Params)
        {
            case ConvParams p:
                long cinPerGroup = s.Inputs[1]!.Shape[1].Const;
                return outCount * (2 * cinPerGroup * p.KernelH * p.KernelW + (s.Inputs.Length > 2 && s.Inputs[2] is not null ? 1 : 0));
            case GemmParams g:
                var a = s.Inputs[0]!.Shape;
                return outCount * 2 * (g.TransA ? a[0] : a[1]).At(batch);
            case ChainParams c:
                return outCount * c.Ops.Length;
            default:
                if (s.OpType == "MatMul") return outCount * 2 * s.Inputs[0]!.Shape[^1].At(batch);
                if (s.OpType is "Softmax") return outCount * 4;
                if (s.OpType is "ReduceSum" or "ReduceMean") return s.Inputs[0]!.ElementCount(batch);
                return 0;
        }
    }
}
