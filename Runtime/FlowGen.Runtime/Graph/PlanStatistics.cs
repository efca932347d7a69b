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
        foreach (var s in plan.Steps)
        {
            long outCount = s.Outputs[0].ElementCount(batch);
            switch (s.Params)
            {
                case ConvParams p:
                    long cinPerGroup = s.Inputs[1]!.Shape[1].Const;
                    total += outCount * (2 * cinPerGroup * p.KernelH * p.KernelW + (s.Inputs.Length > 2 && s.Inputs[2] is not null ? 1 : 0));
                    break;
                case GemmParams g:
                    var a = s.Inputs[0]!.Shape;
                    total += outCount * 2 * (g.TransA ? a[0] : a[1]).At(batch);
                    break;
                case ChainParams c:
                    total += outCount * c.Ops.Length;
                    break;
                default:
                    if (s.OpType == "MatMul") total += outCount * 2 * s.Inputs[0]!.Shape[^1].At(batch);
                    else if (s.OpType is "Softmax") total += outCount * 4;
                    else if (s.OpType is "ReduceSum" or "ReduceMean") total += s.Inputs[0]!.ElementCount(batch);
                    break;
            }
        }
        return total;
    }
}
