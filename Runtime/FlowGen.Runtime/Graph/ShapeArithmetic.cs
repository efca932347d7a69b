// Evaluates, at load time, the int64 arithmetic exporters emit around shapes (Shape -> Gather -> Mul ->
// Concat -> Reshape ...). Elements are batch-linear SymDims, so `x.shape[0] * 4` stays exact for every
// batch size. Only small tensors of static shape are evaluated here; float data is folded by the CPU.
namespace FlowGen.Runtime.Graph;

internal static class ShapeArithmetic
{
    private const long MaxElements = 1 << 16;

    /// <summary>True when the node can be (and must be) evaluated here rather than by the CPU backend.</summary>
    public static bool Applies(Node n)
    {
        bool anySym = false, anyInt = false;
        foreach (var v in n.Inputs)
        {
            if (v is null) continue;
            if (!v.IsKnown) return false;
            anySym |= v.SymValues is not null;
            anyInt |= v.Type == ElementType.Int64;
        }
        if (n.Outputs.Count != 1 || n.Inputs.Count == 0) return false;
        var o = n.Outputs[0];
        if (o.Shape is null || !SymShape.IsStatic(o.Shape) || SymShape.Count(o.Shape)!.Value.Const > MaxElements) return false;
        if (n.OpType is "Shape") return false; // already evaluated by its rule
        bool intArith = anyInt && n.OpType is "Add" or "Sub" or "Mul" or "Div" or "Neg" or "Abs" or "Relu" or "Min" or "Max"
            or "Equal" or "Less" or "Greater";
        if (!anySym && !intArith) return false;
        return n.OpType is "Gather" or "Concat" or "Unsqueeze" or "Squeeze" or "Slice" or "Cast" or "Reshape" or "Identity"
            or "Flatten" or "Expand" or "Where" or "Transpose" || intArith;
    }

    /// <summary>Computes the node's single output; sets Const when batch-independent, SymValues otherwise.</summary>
    public static void Evaluate(ModelGraph g, Node n)
    {
        var o = n.Outputs[0];
        var shape = Static(o.ShapeOrThrow);
        long count = shape.Aggregate(1L, (a, b) => a * b);
        SymDim[] In(int i) => Values(n.Inputs[i]!);
        long[] InShape(int i) => Static(n.Inputs[i]!.ShapeOrThrow);
        SymDim[] result;
        switch (n.OpType)
        {
            case "Identity" or "Reshape" or "Flatten" or "Squeeze" or "Unsqueeze":
                result = In(0);
                break;
            case "Cast":
                var to = ((CastParams)n.Params!).To;
                result = In(0);
                if (to == ElementType.Bool) result = Array.ConvertAll(result, d => (SymDim)(Concrete(g, n, d) != 0 ? 1 : 0));
                else if (to == ElementType.Float32 && result.Any(d => !d.IsStatic))
                {
                    o.Const = null; // float data that depends on the batch: computed at run time from a materialised shape
                    return;
                }
                break;
            case "Gather":
            {
                int axis = ((AxisParams)n.Params!).Axis;
                var data = In(0);
                var ds = InShape(0);
                var idx = Array.ConvertAll(In(1), d => Concrete(g, n, d));
                long outer = ds[..axis].Aggregate(1L, (a, b) => a * b), inner = ds[(axis + 1)..].Aggregate(1L, (a, b) => a * b);
                result = new SymDim[count];
                int k = 0;
                for (long oi = 0; oi < outer; oi++)
                    foreach (var ix in idx)
                    {
                        long j = ix < 0 ? ix + ds[axis] : ix;
                        if (j < 0 || j >= ds[axis]) throw g.Error(n, $"index {ix} is out of range for dimension {ds[axis]}");
                        for (long ii = 0; ii < inner; ii++) result[k++] = data[(oi * ds[axis] + j) * inner + ii];
                    }
                break;
            }
            case "Concat":
            {
                int axis = ((AxisParams)n.Params!).Axis;
                long outer = shape[..axis].Aggregate(1L, (a, b) => a * b);
                result = new SymDim[count];
                int k = 0;
                for (long oi = 0; oi < outer; oi++)
                    for (int i = 0; i < n.Inputs.Count; i++)
                    {
                        var s = InShape(i);
                        long block = s[axis..].Aggregate(1L, (a, b) => a * b);
                        var src = In(i);
                        for (long e = 0; e < block; e++) result[k++] = src[oi * block + e];
                    }
                break;
            }
            case "Slice":
            {
                var p = (SliceParams)n.Params!;
                var src = In(0);
                var ss = InShape(0);
                result = new SymDim[count];
                var starts = new long[ss.Length];
                var steps = Enumerable.Repeat(1L, ss.Length).ToArray();
                for (int i = 0; i < p.Axes.Length; i++)
                {
                    starts[p.Axes[i]] = OpRules.SliceRange(ss[p.Axes[i]], p.Starts[i], p.Ends[i], p.Steps[i]).Start;
                    steps[p.Axes[i]] = p.Steps[i];
                }
                for (long e = 0; e < count; e++)
                {
                    long rem = e, srcIndex = 0, stride = 1;
                    var coords = new long[shape.Length];
                    for (int d = shape.Length - 1; d >= 0; d--) { coords[d] = rem % shape[d]; rem /= shape[d]; }
                    for (int d = shape.Length - 1; d >= 0; d--) { srcIndex += (starts[d] + coords[d] * steps[d]) * stride; stride *= ss[d]; }
                    result[e] = src[srcIndex];
                }
                break;
            }
            case "Transpose":
                if (shape.Length > 1) throw g.Error(n, "transposing shape arithmetic of rank > 1 is not supported");
                result = In(0);
                break;
            case "Expand" or "Where" or "Add" or "Sub" or "Mul" or "Div" or "Min" or "Max" or "Equal" or "Less" or "Greater":
                result = Broadcasting(g, n, shape, count);
                break;
            case "Neg": result = Array.ConvertAll(In(0), d => new SymDim(-d.Coef, -d.Const)); break;
            case "Abs": result = Array.ConvertAll(In(0), d => (SymDim)Math.Abs(Concrete(g, n, d))); break;
            case "Relu": result = Array.ConvertAll(In(0), d => (SymDim)Math.Max(0, Concrete(g, n, d))); break;
            default: throw g.Error(n, $"{n.OpType} on shape arithmetic is not supported");
        }
        if (result.Length != count) throw g.Error(n, "shape arithmetic produced the wrong element count");
        if (result.All(d => d.IsStatic))
        {
            var longs = Array.ConvertAll(result, d => d.Const);
            o.Const = o.Type switch
            {
                ElementType.Int64 => ConstTensor.FromLongs(shape, longs),
                ElementType.Bool => new ConstTensor(ElementType.Bool, shape, Array.ConvertAll(longs, v => (byte)(v != 0 ? 1 : 0))),
                _ => ConstTensor.FromFloats(shape, Array.ConvertAll(longs, v => (float)v)),
            };
        }
        else if (o.Type == ElementType.Int64) o.SymValues = result;
    }

    private static SymDim[] Broadcasting(ModelGraph g, Node n, long[] shape, long count)
    {
        var inputs = n.Inputs.Select(v => (Values(v!), Static(v!.ShapeOrThrow))).ToArray();
        var result = new SymDim[count];
        var args = new SymDim[inputs.Length];
        for (long e = 0; e < count; e++)
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                var (vals, s) = inputs[i];
                long rem = e, idx = 0, stride = 1;
                for (int d = shape.Length - 1; d >= 0; d--)
                {
                    long c = rem % shape[d];
                    rem /= shape[d];
                    int sd = d - (shape.Length - s.Length);
                    if (sd < 0) continue;
                    if (s[sd] != 1) idx += c * stride;
                    stride *= s[sd];
                }
                args[i] = vals[idx];
            }
            result[e] = n.OpType switch
            {
                "Expand" => args[0],
                "Where" => Concrete(g, n, args[0]) != 0 ? args[1] : args[2],
                "Add" => args[0] + args[1],
                "Sub" => args[0] - args[1],
                "Mul" => SymDim.Multiply(args[0], args[1]) ?? throw g.Error(n, "product of two batch-dependent values"),
                "Div" => args[0].IsStatic && args[1].IsStatic
                    ? (args[1].Const == 0 ? throw g.Error(n, "integer division by zero") : FloorDiv(args[0].Const, args[1].Const))
                    : SymDim.Divide(args[0], args[1]) ?? throw g.Error(n, "division of a batch-dependent value is not exact"),
                "Min" => Math.Min(Concrete(g, n, args[0]), Concrete(g, n, args[1])),
                "Max" => Math.Max(Concrete(g, n, args[0]), Concrete(g, n, args[1])),
                "Equal" => args[0] == args[1] ? 1 : args[0].Coef == args[1].Coef ? 0 : Concrete(g, n, args[0]) == Concrete(g, n, args[1]) ? 1 : 0,
                "Less" => Concrete(g, n, args[0]) < Concrete(g, n, args[1]) ? 1 : 0,
                _ => Concrete(g, n, args[0]) > Concrete(g, n, args[1]) ? 1 : 0,
            };
        }
        return result;
    }

    // ONNX integer Div truncates toward zero (C semantics).
    private static SymDim FloorDiv(long a, long b) => a / b;

    private static SymDim[] Values(Value v) => v.SymValues ?? (v.Const!.Type switch
    {
        ElementType.Int64 => SymShape.FromStatic(v.Const.Longs),
        ElementType.Bool => Array.ConvertAll(v.Const.Data, b => (SymDim)(long)b),
        _ => Array.ConvertAll(v.Const.Floats.ToArray(), f => (SymDim)(long)f),
    });

    private static long Concrete(ModelGraph g, Node n, SymDim d) =>
        d.IsStatic ? d.Const : throw g.Error(n, $"{n.OpType} needs a batch-independent value here, got {d}");

    private static long[] Static(SymDim[] s) => Array.ConvertAll(s, d => d.IsStatic ? d.Const : throw new InvalidOperationException("static shape expected"));
}
