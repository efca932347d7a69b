// Constant folding through the CPU backend: a node whose inputs are all constants is compiled as a
// one-step plan at batch 1 and run once, so folding and execution share one implementation.
using FlowGen.Runtime.Graph;

namespace FlowGen.Runtime.Cpu;

internal static class CpuFolder
{
    public static void Fold(ModelGraph g, Node n)
    {
        long bytes = 0;
        foreach (var o in n.Outputs)
        {
            if (o.Shape is null || !SymShape.IsStatic(o.Shape)) return;
            long count = SymShape.Count(o.Shape)!.Value.Const;
            if (count > Onnx.TensorProtoDecoder.MaxElements) return; // left to run time, where the arena limit applies
            bytes += count * ElementTypes.Size(o.Type);
        }
        if (bytes > 1L << 30) return;

        var sub = new ModelGraph(g.Source);
        var clone = new Node(n.OpType, n.Name, n.Attributes) { Params = n.Params };
        foreach (var i in n.Inputs)
        {
            if (i is null) { clone.Inputs.Add(null); continue; }
            var c = new Value(i.Name) { Type = i.Type, Shape = i.Shape, Const = i.Const };
            c.Consumers.Add(clone);
            clone.Inputs.Add(c);
        }
        foreach (var o in n.Outputs)
        {
            var c = new Value(o.Name) { Type = o.Type, Shape = o.Shape, Producer = clone, IsGraphOutput = true };
            clone.Outputs.Add(c);
            sub.Outputs.Add(c);
        }
        sub.Nodes.Add(clone);
        if (clone.OpType is not ("Conv" or "MatMul" or "Gemm")) LowerForFolding(clone);
        var plan = PlanBuilder.Build(sub, 1, long.MaxValue, new Dictionary<string, int>());
        using var exec = new CpuExecutor(plan, WorkerPool.Serial);
        exec.Run(1);
        for (int i = 0; i < n.Outputs.Count; i++)
        {
            var o = n.Outputs[i];
            long[] shape = Array.ConvertAll(o.Shape!, d => d.Const);
            o.Const = new ConstTensor(o.Type, shape, exec.GetOutput(i, 1).ToArray());
        }
    }

    /// <summary>Gives elementwise operators the chain form the CPU backend runs (Fusion does this for the main graph).</summary>
    private static void LowerForFolding(Node n)
    {
        var tmp = new ModelGraph("fold");
        tmp.Nodes.Add(n);
        Fusion.LowerElementwise(tmp);
    }
}
