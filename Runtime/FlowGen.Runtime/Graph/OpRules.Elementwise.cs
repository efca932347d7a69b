// Inference for elementwise operators: arithmetic, unary maths, comparisons, Where, Clip, Softmax, Cast.
namespace FlowGen.Runtime.Graph;

internal static partial class OpRules
{
    private static void Arithmetic(RuleContext ctx)
    {
        var n = ctx.Node;
        ctx.Attrs.OnlyKnown();
        bool variadic = n.OpType is "Min" or "Max";
        ctx.Arity(variadic ? 1 : 2, variadic ? 64 : 2);
        var type = ctx.In(0).Type;
        var shape = ctx.Shape(0);
        for (int i = 1; i < n.Inputs.Count; i++)
        {
            var v = ctx.In(i);
            if (v.Type != type)
                throw ctx.Fail($"inputs have different element types ({ElementTypes.Name(type)}, {ElementTypes.Name(v.Type)})");
            shape = Broadcast(ctx, shape, v.ShapeOrThrow);
        }
        if (type == ElementType.Bool) throw ctx.Fail("arithmetic on bool tensors is not supported");
        if (type == ElementType.Int64 && n.OpType == "Pow") throw ctx.Fail("Pow on int64 tensors is not supported");
        ctx.SetOutput(0, type, shape);
    }

    private static void Unary(RuleContext ctx)
    {
        ctx.Arity(1, 1);
        var v = ctx.In(0);
        bool intOk = ctx.Node.OpType is "Neg" or "Abs" or "Relu";
        if (v.Type != ElementType.Float32 && !(intOk && v.Type == ElementType.Int64))
            throw ctx.Fail($"{ctx.Node.OpType} on {ElementTypes.Name(v.Type)} is not supported (float32)");
        if (v.Type == ElementType.Int64 && !v.IsKnown) throw ctx.Fail($"{ctx.Node.OpType} on int64 at run time is not supported");
        ctx.SetOutput(0, v.Type, ctx.Shape(0));
    }

    private static void Clip(RuleContext ctx)
    {
        ctx.Arity(1, 3);
        ctx.RequireType(0, ElementType.Float32);
        float lo = float.NegativeInfinity, hi = float.PositiveInfinity;
        for (int i = 1; i < 3; i++)
        {
            if (ctx.Node.Input(i) is not { } b) continue;
            if (b.Const is not { } c || c.Count != 1) throw ctx.Fail($"Clip bound '{b.Name}' must be a constant scalar");
            if (c.Type != ElementType.Float32) throw ctx.Fail($"Clip bound '{b.Name}' must be float32");
            if (i == 1) lo = c.ScalarFloat; else hi = c.ScalarFloat;
        }
        ctx.Node.Params = new ChainParams(0, [new MicroOp(ElementwiseKind.Clip, A: lo, B: hi)]);
        ctx.SetOutput(0, ElementType.Float32, ctx.Shape(0));
    }

    private static void Compare(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown();
        ctx.Arity(2, 2);
        var a = ctx.In(0);
        var b = ctx.In(1);
        if (a.Type != b.Type) throw ctx.Fail("inputs have different element types");
        bool known = a.IsKnown && b.IsKnown;
        if (a.Type != ElementType.Float32 && !known)
            throw ctx.Fail($"{ctx.Node.OpType} on {ElementTypes.Name(a.Type)} at run time is not supported (float32)");
        ctx.Node.Params = new CompareParams(ctx.Node.OpType switch
        {
            "Less" => CompareKind.Less,
            "Greater" => CompareKind.Greater,
            _ => CompareKind.Equal,
        });
        ctx.SetOutput(0, ElementType.Bool, Broadcast(ctx, a.ShapeOrThrow, b.ShapeOrThrow));
    }

    private static void Where(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown();
        ctx.Arity(3, 3);
        ctx.RequireType(0, ElementType.Bool);
        if (ctx.In(1).Type != ctx.In(2).Type) throw ctx.Fail("X and Y have different element types");
        var shape = Broadcast(ctx, Broadcast(ctx, ctx.Shape(0), ctx.Shape(1)), ctx.Shape(2));
        ctx.SetOutput(0, ctx.In(1).Type, shape);
    }

    private static void Softmax(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown("axis");
        ctx.Arity(1, 1);
        ctx.RequireType(0, ElementType.Float32);
        int rank = ctx.Rank(0);
        if (rank == 0) throw ctx.Fail("Softmax needs at least one dimension");
        ctx.Node.Params = new AxisParams(ctx.Axis(ctx.Attrs.Int("axis", -1), rank));
        ctx.SetOutput(0, ElementType.Float32, ctx.Shape(0));
    }

    private static void Cast(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown("to", "saturate");
        ctx.Arity(1, 1);
        long to = ctx.Attrs.Int("to", -1);
        var type = to switch
        {
            1 => ElementType.Float32,
            7 => ElementType.Int64,
            9 => ElementType.Bool,
            _ => throw ctx.Fail($"Cast to ONNX type {to} is not supported (float32, int64, bool)"),
        };
        ctx.Node.Params = new CastParams(type);
        ctx.SetOutput(0, type, ctx.Shape(0));
    }
}
