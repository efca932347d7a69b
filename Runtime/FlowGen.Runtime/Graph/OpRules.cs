// Shape and type inference for every supported operator, with attribute validation. Each rule reads the
// node's inputs (shapes, and contents where an input determines a shape), sets its outputs' types and
// batch-linear shapes, and stores normalised parameters in Node.Params. Refusals name the node.
namespace FlowGen.Runtime.Graph;

internal static partial class OpRules
{
    private static readonly HashSet<string> Supported = new(StringComparer.Ordinal)
    {
        "Conv", "MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Exp", "Log", "Neg", "Abs", "Relu",
        "LeakyRelu", "Sigmoid", "Tanh", "Softplus", "Softmax", "Clip", "Min", "Max", "Where", "Less", "Greater",
        "Equal", "Cast", "Reshape", "Flatten", "Transpose", "Concat", "Split", "Slice", "Gather", "Squeeze",
        "Unsqueeze", "Expand", "Identity", "Constant", "ConstantOfShape", "Shape", "ReduceSum", "ReduceMean",
        "CumSum", "DepthToSpace", "SpaceToDepth",
    };

    public static bool IsSupported(string op) => Supported.Contains(op);

    public static IReadOnlyCollection<string> SupportedOps => Supported;

    /// <summary>Infers the node's outputs; throws <see cref="OnnxModelException"/> naming the node when it is invalid.</summary>
    public static void Infer(ModelGraph g, Node n)
    {
        var ctx = new RuleContext(g, n);
        foreach (var v in n.Inputs)
            if (v is not null && v.Shape is null) throw ctx.Fail($"input '{v.Name}' has no known shape");
        switch (n.OpType)
        {
            case "Add" or "Sub" or "Mul" or "Div" or "Pow" or "Min" or "Max": Arithmetic(ctx); break;
            case "Sqrt" or "Exp" or "Log" or "Neg" or "Abs" or "Relu" or "Sigmoid" or "Tanh" or "Softplus":
                ctx.Attrs.OnlyKnown(); Unary(ctx); break;
            case "LeakyRelu": ctx.Attrs.OnlyKnown("alpha"); Unary(ctx); break;
            case "Clip": ctx.Attrs.OnlyKnown(); Clip(ctx); break;
            case "Less" or "Greater" or "Equal": Compare(ctx); break;
            case "Where": Where(ctx); break;
            case "Softmax": Softmax(ctx); break;
            case "Cast": Cast(ctx); break;
            case "Identity": ctx.Attrs.OnlyKnown(); ctx.Arity(1, 1); ctx.SetOutput(0, ctx.In(0).Type, ctx.Shape(0)); break;
            case "Constant": Constant(ctx); break;
            case "ConstantOfShape": ConstantOfShape(ctx); break;
            case "Shape": Shape(ctx); break;
            case "Reshape": Reshape(ctx); break;
            case "Flatten": Flatten(ctx); break;
            case "Transpose": Transpose(ctx); break;
            case "Concat": Concat(ctx); break;
            case "Split": Split(ctx); break;
            case "Slice": Slice(ctx); break;
            case "Gather": Gather(ctx); break;
            case "Squeeze": Squeeze(ctx); break;
            case "Unsqueeze": Unsqueeze(ctx); break;
            case "Expand": Expand(ctx); break;
            case "ReduceSum" or "ReduceMean": Reduce(ctx); break;
            case "CumSum": CumSum(ctx); break;
            case "DepthToSpace" or "SpaceToDepth": Rearrange(ctx); break;
            case "Conv": Conv(ctx); break;
            case "MatMul": MatMul(ctx); break;
            case "Gemm": Gemm(ctx); break;
            default: throw ctx.Fail($"operator '{n.OpType}' is not supported");
        }
        foreach (var o in n.Outputs)
            if (SymShape.Count(o.ShapeOrThrow) is null)
                throw ctx.Fail($"output '{o.Name}' has shape {SymShape.Format(o.Shape!)} with more than one batch-dependent dimension");
    }

    /// <summary>Multidirectional (numpy) broadcasting of two shapes.</summary>
    public static SymDim[] Broadcast(RuleContext ctx, SymDim[] a, SymDim[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new SymDim[rank];
        for (int i = 0; i < rank; i++)
        {
            SymDim da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            SymDim db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da == db || db == (SymDim)1) r[i] = da;
            else if (da == (SymDim)1) r[i] = db;
            else throw ctx.Fail($"shapes {SymShape.Format(a)} and {SymShape.Format(b)} do not broadcast");
        }
        return r;
    }
}

/// <summary>The node under inference, with helpers that name it in errors.</summary>
internal readonly struct RuleContext(ModelGraph graph, Node node)
{
    public ModelGraph Graph => graph;
    public Node Node => node;
    public NodeAttributes Attrs => new(graph, node);

    public OnnxModelException Fail(string reason) => graph.Error(node, reason);

    public void Arity(int minIn, int maxIn, int outs = 1)
    {
        if (node.Inputs.Count < minIn || node.Inputs.Count > maxIn)
            throw Fail($"expects {minIn}{(maxIn != minIn ? $" to {maxIn}" : "")} inputs, has {node.Inputs.Count}");
        for (int i = 0; i < minIn; i++) if (node.Inputs[i] is null) throw Fail($"required input {i} is missing");
        if (outs >= 0 && node.Outputs.Count != outs) throw Fail($"expects {outs} outputs, has {node.Outputs.Count}");
    }

    public Value In(int i) => node.Input(i) ?? throw Fail($"input {i} is missing");

    public SymDim[] Shape(int i) => In(i).ShapeOrThrow;

    public int Rank(int i) => Shape(i).Length;

    public void SetOutput(int i, ElementType type, SymDim[] shape)
    {
        foreach (var d in shape)
            if (d.Coef < 0 || d.Const < 0 && d.Coef == 0)
                throw Fail($"output shape {SymShape.Format(shape)} has a negative dimension");
        node.Outputs[i].Type = type;
        node.Outputs[i].Shape = shape;
    }

    public void RequireType(int i, ElementType type)
    {
        var v = In(i);
        if (v.Type != type) throw Fail($"input '{v.Name}' is {ElementTypes.Name(v.Type)}, expected {ElementTypes.Name(type)}");
    }

    /// <summary>Values of an input that determines shapes: must be known at load (constant or shape arithmetic).</summary>
    public SymDim[] KnownInts(int i, string what)
    {
        var v = In(i);
        if (v.Type != ElementType.Int64) throw Fail($"{what} ('{v.Name}') must be int64, is {ElementTypes.Name(v.Type)}");
        if (v.SymValues is { } s) return s;
        if (v.Const is { } c) return SymShape.FromStatic(c.Longs);
        throw Fail($"{what} ('{v.Name}') must be computable at load time (a constant or arithmetic on shapes)");
    }

    /// <summary>Like <see cref="KnownInts"/> but batch-independent.</summary>
    public long[] StaticInts(int i, string what)
    {
        var s = KnownInts(i, what);
        var r = new long[s.Length];
        for (int k = 0; k < s.Length; k++)
        {
            if (!s[k].IsStatic) throw Fail($"{what} must not depend on the batch size");
            r[k] = s[k].Const;
        }
        return r;
    }

    public int Axis(long axis, int rank, string what = "axis")
    {
        if (axis < -rank || axis >= rank) throw Fail($"{what} {axis} is out of range for rank {rank}");
        return (int)(axis < 0 ? axis + rank : axis);
    }

    public int[] Axes(ReadOnlySpan<long> axes, int rank)
    {
        var r = new int[axes.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = Axis(axes[i], rank);
            for (int j = 0; j < i; j++) if (r[j] == r[i]) throw Fail($"axis {axes[i]} is repeated");
        }
        return r;
    }

    public int StaticDim(SymDim d, string what)
    {
        if (!d.IsStatic) throw Fail($"{what} must not depend on the batch size");
        if (d.Const > int.MaxValue) throw Fail($"{what} {d.Const} is too large");
        return (int)d.Const;
    }
}
