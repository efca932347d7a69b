// Turns a loaded graph into an execution plan: shape inference with constant folding (including the
// batch-linear shape arithmetic), dead-node removal, fusion, then buffer planning. Everything a model
// could get wrong is found here, before any arena is allocated.
using FlowGen.Runtime.Cpu;

namespace FlowGen.Runtime.Graph;

internal static class GraphCompiler
{
    /// <summary>Largest arena a plan may ask for unless the caller allows more.</summary>
    public const long DefaultMaxArenaBytes = 4L << 30;

    /// <summary>
    /// Compiles <paramref name="g"/> for batches up to <paramref name="maxBatch"/>. <paramref name="constantInputs"/>
    /// turns graph inputs into load-time constants (used to specialise shape-determining inputs).
    /// </summary>
    public static ExecutionPlan Compile(ModelGraph g, int maxBatch, long maxArenaBytes = DefaultMaxArenaBytes,
        IReadOnlyDictionary<string, ConstTensor>? constantInputs = null)
    {
        try
        {
            if (constantInputs is not null) BindConstantInputs(g, constantInputs);
            long parameters = g.Values.Values.Where(v => v.Const is { Type: ElementType.Float32 } && v.Producer is null && !v.IsGraphInput).Sum(v => v.Const!.Count);
            var counts = InferAndFold(g);
            parameters += g.Nodes.Where(n => n.OpType == "Constant" && n.Outputs[0].Const is { Type: ElementType.Float32 }).Sum(n => n.Outputs[0].Const!.Count);
            CheckDeclaredOutputs(g);
            RemoveDeadNodes(g);
            Fusion.Run(g);
            return PlanBuilder.Build(g, maxBatch, maxArenaBytes, counts, parameters);
        }
        catch (OverflowException e)
        {
            throw new OnnxModelException(g.Source, null, "declared sizes overflow (huge or inconsistent dimensions)", e);
        }
    }

    private static void BindConstantInputs(ModelGraph g, IReadOnlyDictionary<string, ConstTensor> values)
    {
        foreach (var (name, t) in values)
        {
            var v = g.Inputs.FirstOrDefault(i => i.Name == name) ?? throw g.Error(null, $"no graph input '{name}'");
            v.Const = t;
            v.Type = t.Type;
            v.Shape = SymShape.FromStatic(t.Shape);
            v.IsGraphInput = false;
            g.Inputs.Remove(v);
        }
    }

    private static Dictionary<string, int> InferAndFold(ModelGraph g)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in g.Nodes)
        {
            counts[n.OpType] = counts.GetValueOrDefault(n.OpType) + 1;
            OpRules.Infer(g, n);
            if (n.Outputs.All(o => o.IsKnown)) continue; // Constant, Shape
            if (ShapeArithmetic.Applies(n)) ShapeArithmetic.Evaluate(g, n);
            else if (n.Inputs.All(v => v is null || v.Const is not null) && n.Inputs.Count > 0) CpuFolder.Fold(g, n);
        }
        return counts;
    }

    /// <summary>A graph output whose declared type or static dims contradict inference means the file is inconsistent.</summary>
    private static void CheckDeclaredOutputs(ModelGraph g)
    {
        foreach (var o in g.Outputs)
        {
            if (o.Declared is not { } d) continue;
            var shape = o.ShapeOrThrow;
            if (d.ElemType != 0 && d.ElemType != (int)o.Type)
                throw g.Error(o.Producer, $"graph output '{o.Name}' is declared as ONNX type {d.ElemType} but computes {ElementTypes.Name(o.Type)}");
            if (d.Dims is not { } dims) continue;
            if (dims.Length != shape.Length)
                throw g.Error(o.Producer, $"graph output '{o.Name}' is declared with rank {dims.Length} but has shape {SymShape.Format(shape)}");
            for (int i = 0; i < dims.Length; i++)
                if (dims[i] is { } v && shape[i].IsStatic && shape[i].Const != v)
                    throw g.Error(o.Producer, $"graph output '{o.Name}' is declared with dimension {i} = {v} but has shape {SymShape.Format(shape)}");
        }
    }

    /// <summary>Keeps only nodes that compute something a graph output needs at run time.</summary>
    private static void RemoveDeadNodes(ModelGraph g)
    {
        var live = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Value>(g.Outputs);
        while (stack.TryPop(out var v))
        {
            if (v.IsKnown || v.Producer is not { } p || !live.Add(p)) continue;
            foreach (var i in p.Inputs) if (i is not null) stack.Push(i);
        }
        g.Nodes = g.Nodes.Where(live.Contains).ToList();
        foreach (var v in g.Values.Values) v.Consumers.RemoveAll(c => !live.Contains(c));
    }
}
