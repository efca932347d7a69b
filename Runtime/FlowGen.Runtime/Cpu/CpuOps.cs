// Maps plan steps to CPU operators.
using FlowGen.Runtime.Graph;

namespace FlowGen.Runtime.Cpu;

internal static unsafe class CpuOps
{
    public static CpuOp Create(PlanStep step, byte* arena) => step.OpType switch
    {
        "Elementwise" => new ElementwiseOp(step, arena),
        "Conv" => new ConvOp(step, arena),
        "MatMul" => new MatMulOp(step, arena),
        "Gemm" => new GemmOp(step, arena),
        "Less" or "Greater" or "Equal" => new CompareOp(step, arena),
        "Where" => new WhereOp(step, arena),
        "Softmax" => new SoftmaxOp(step, arena),
        "Cast" => new CastOp(step, arena),
        "Transpose" => new TransposeOp(step, arena),
        "DepthToSpace" or "SpaceToDepth" => new RearrangeOp(step, arena),
        "Slice" => new SliceOp(step, arena),
        "Expand" => new ExpandOp(step, arena),
        "Concat" => new ConcatOp(step, arena),
        "Split" => new SplitOp(step, arena),
        "Gather" => new GatherOp(step, arena),
        "ReduceSum" or "ReduceMean" => new ReduceOp(step, arena),
        "CumSum" => new CumSumOp(step, arena),
        "ConstantOfShape" => new FillOp(step, arena),
        _ => throw new FlowGenException($"operator {step.OpType} ('{step.Name}') has no CPU implementation", null),
    };
}
