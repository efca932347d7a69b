// Inference for shape and data-movement operators. Inputs that determine a shape (Reshape's shape,
// Slice's bounds, axes...) must be known at load: constants, or arithmetic on Shape outputs.
namespace FlowGen.Runtime.Graph;

internal static partial class OpRules
{
    private const long SliceToEnd = long.MaxValue / 4;

    private static void Constant(RuleContext ctx)
    {
        ctx.Arity(0, 0);
        var a = ctx.Attrs;
        if (ctx.Node.Attributes.Count != 1) throw ctx.Fail("Constant needs exactly one value attribute");
        ConstTensor t;
        if (a.Tensor("value") is { } v) t = v;
        else if (a.Has("value_float")) t = ConstTensor.FromFloats([], [a.Float("value_float", 0)]);
        else if (a.Floats("value_floats") is { } fs) t = ConstTensor.FromFloats([fs.Length], fs);
        else if (a.Has("value_int")) t = ConstTensor.FromLongs([], [a.Int("value_int", 0)]);
        else if (a.Ints("value_ints") is { } ls) t = ConstTensor.FromLongs([ls.Length], ls);
        else throw ctx.Fail($"Constant attribute '{ctx.Node.Attributes.Keys.First()}' is not supported");
        ctx.SetOutput(0, t.Type, SymShape.FromStatic(t.Shape));
        ctx.Node.Outputs[0].Const = t;
    }

    private static void ConstantOfShape(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown("value");
        ctx.Arity(1, 1);
        var shape = ctx.KnownInts(0, "shape");
        var value = ctx.Attrs.Tensor("value") ?? ConstTensor.FromFloats([1], [0f]);
        if (value.Count != 1) throw ctx.Fail("value must hold exactly one element");
        ctx.Node.Params = new FillParams(value);
        ctx.SetOutput(0, value.Type, shape);
    }

    private static void Shape(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown("start", "end");
        ctx.Arity(1, 1);
        var s = ctx.Shape(0);
        int start = ClampAxis(ctx.Attrs.Int("start", 0), s.Length);
        int end = ClampAxis(ctx.Attrs.Int("end", s.Length), s.Length);
        var values = s[start..Math.Max(start, end)];
        ctx.SetOutput(0, ElementType.Int64, [values.Length]);
        ctx.Node.Outputs[0].SymValues = values;

        static int ClampAxis(long a, int rank) => (int)Math.Clamp(a < 0 ? a + rank : a, 0, rank);
    }

    private static void Reshape(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown("allowzero");
        ctx.Arity(2, 2);
        var input = ctx.Shape(0);
        var target = ctx.KnownInts(1, "shape");
        bool allowZero = ctx.Attrs.Int("allowzero", 0) != 0;
        var shape = new SymDim[target.Length];
        int inferred = -1;
        for (int i = 0; i < target.Length; i++)
        {
            var d = target[i];
            if (d == (SymDim)(-1))
            {
                if (inferred >= 0) throw ctx.Fail("shape has more than one -1");
                inferred = i;
                shape[i] = 1;
            }
            else if (d == (SymDim)0 && !allowZero)
            {
                if (i >= input.Length) throw ctx.Fail($"shape copies dimension {i} (0) that the input does not have");
                shape[i] = input[i];
            }
            else if (d.Coef < 0 || d.IsStatic && d.Const < 0) throw ctx.Fail($"shape has invalid dimension {d}");
            else shape[i] = d;
        }
        var total = SymShape.Count(input) ?? throw ctx.Fail("input size is not linear in the batch size");
        var known = SymShape.Count(shape) ?? throw ctx.Fail("target shape has more than one batch-dependent dimension");
        if (inferred >= 0)
            shape[inferred] = SymDim.Divide(total, known) ?? throw ctx.Fail($"cannot reshape {SymShape.Format(input)} to {SymShape.Format(target)}");
        else if (known != total)
            throw ctx.Fail($"cannot reshape {SymShape.Format(input)} ({total} elements) to {SymShape.Format(shape)} ({known} elements)");
        ctx.SetOutput(0, ctx.In(0).Type, shape);
    }

    private static void Flatten(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown("axis");
        ctx.Arity(1, 1);
        var s = ctx.Shape(0);
        long axis = ctx.Attrs.Int("axis", 1);
        if (axis < -s.Length || axis > s.Length) throw ctx.Fail($"axis {axis} is out of range for rank {s.Length}");
        int a = (int)(axis < 0 ? axis + s.Length : axis);
        var outer = SymShape.Count(s[..a]) ?? throw ctx.Fail("too many batch-dependent dims");
        var inner = SymShape.Count(s[a..]) ?? throw ctx.Fail("too many batch-dependent dims");
        ctx.SetOutput(0, ctx.In(0).Type, [outer, inner]);
    }

    private static void Transpose(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown("perm");
        ctx.Arity(1, 1);
        var s = ctx.Shape(0);
        var permL = ctx.Attrs.Ints("perm") ?? Enumerable.Range(0, s.Length).Reverse().Select(i => (long)i).ToArray();
        if (permL.Length != s.Length) throw ctx.Fail($"perm has {permL.Length} entries for rank {s.Length}");
        var perm = ctx.Axes(permL, s.Length);
        ctx.Node.Params = new TransposeParams(perm);
        ctx.SetOutput(0, ctx.In(0).Type, perm.Select(p => s[p]).ToArray());
    }

    private static void Concat(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown("axis");
        ctx.Arity(1, 1024);
        if (!ctx.Attrs.Has("axis")) throw ctx.Fail("attribute 'axis' is required");
        var first = ctx.Shape(0);
        int axis = ctx.Axis(ctx.Attrs.Int("axis", 0), first.Length);
        var shape = (SymDim[])first.Clone();
        for (int i = 1; i < ctx.Node.Inputs.Count; i++)
        {
            var s = ctx.Shape(i);
            if (ctx.In(i).Type != ctx.In(0).Type) throw ctx.Fail("inputs have different element types");
            if (s.Length != first.Length) throw ctx.Fail("inputs have different ranks");
            for (int d = 0; d < s.Length; d++)
                if (d != axis && s[d] != first[d]) throw ctx.Fail($"input shapes {SymShape.Format(first)} and {SymShape.Format(s)} differ outside axis {axis}");
            shape[axis] += s[axis];
        }
        ctx.Node.Params = new AxisParams(axis);
        ctx.SetOutput(0, ctx.In(0).Type, shape);
    }

    private static void Split(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown("axis");
        ctx.Arity(1, 2, -1);
        var s = ctx.Shape(0);
        int axis = ctx.Axis(ctx.Attrs.Int("axis", 0), s.Length);
        int dim = ctx.StaticDim(s[axis], "the split dimension");
        int outs = ctx.Node.Outputs.Count;
        long[] sizes;
        if (ctx.Node.Input(1) is not null)
        {
            sizes = ctx.StaticInts(1, "split");
            if (sizes.Length != outs) throw ctx.Fail($"split has {sizes.Length} sizes for {outs} outputs");
            if (sizes.Any(x => x < 0) || sizes.Sum() != dim) throw ctx.Fail($"split sizes [{string.Join(",", sizes)}] do not add up to {dim}");
        }
        else
        {
            if (outs == 0 || dim % outs != 0) throw ctx.Fail($"dimension {dim} does not split evenly into {outs} outputs");
            sizes = Enumerable.Repeat((long)(dim / outs), outs).ToArray();
        }
        ctx.Node.Params = new SplitParams(axis, sizes);
        for (int i = 0; i < outs; i++)
        {
            var o = (SymDim[])s.Clone();
            o[axis] = sizes[i];
            ctx.SetOutput(i, ctx.In(0).Type, o);
        }
    }

    private static void Slice(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown();
        ctx.Arity(3, 5);
        var s = ctx.Shape(0);
        var starts = ctx.StaticInts(1, "starts");
        var ends = ctx.StaticInts(2, "ends");
        if (starts.Length != ends.Length) throw ctx.Fail("starts and ends have different lengths");
        var axesL = ctx.Node.Input(3) is null ? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray() : ctx.StaticInts(3, "axes");
        var steps = ctx.Node.Input(4) is null ? Enumerable.Repeat(1L, starts.Length).ToArray() : ctx.StaticInts(4, "steps");
        if (axesL.Length != starts.Length || steps.Length != starts.Length) throw ctx.Fail("starts, ends, axes and steps have different lengths");
        var axes = ctx.Axes(axesL, s.Length);
        var shape = (SymDim[])s.Clone();
        for (int i = 0; i < axes.Length; i++)
        {
            if (steps[i] == 0) throw ctx.Fail("a slice step is 0");
            var d = s[axes[i]];
            if (d.IsStatic) shape[axes[i]] = SliceLength(d.Const, starts[i], ends[i], steps[i]);
            else if (starts[i] == 0 && steps[i] == 1 && ends[i] >= SliceToEnd) shape[axes[i]] = d;
            else throw ctx.Fail("slicing a batch-dependent dimension is only supported for the whole range");
        }
        ctx.Node.Params = new SliceParams(axes, starts, ends, steps);
        ctx.SetOutput(0, ctx.In(0).Type, shape);
    }

    /// <summary>ONNX Slice bounds clamping for one axis of length <paramref name="dim"/>; returns (start, count).</summary>
    public static (long Start, long Count) SliceRange(long dim, long start, long end, long step)
    {
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            return (start, Math.Max(0, (end - start + step - 1) / step));
        }
        start = Math.Clamp(start, 0, dim - 1);
        end = Math.Clamp(end, -1, dim - 1);
        return (start, Math.Max(0, (start - end + (-step) - 1) / -step));
    }

    private static long SliceLength(long dim, long start, long end, long step) => SliceRange(dim, start, end, step).Count;

    private static void Gather(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown("axis");
        ctx.Arity(2, 2);
        var s = ctx.Shape(0);
        if (s.Length == 0) throw ctx.Fail("Gather needs data of rank at least 1");
        int axis = ctx.Axis(ctx.Attrs.Int("axis", 0), s.Length);
        ctx.RequireType(1, ElementType.Int64);
        var idx = ctx.In(1);
        if (idx.Const is { } c)
        {
            if (!s[axis].IsStatic) throw ctx.Fail("gathering along a batch-dependent axis is not supported");
            long dim = s[axis].Const;
            foreach (var i in c.Longs)
                if (i < -dim || i >= dim) throw ctx.Fail($"index {i} is out of range for dimension {dim}");
        }
        else if (!s[axis].IsStatic) throw ctx.Fail("gathering along a batch-dependent axis is not supported");
        ctx.Node.Params = new AxisParams(axis);
        ctx.SetOutput(0, ctx.In(0).Type, [.. s[..axis], .. idx.ShapeOrThrow, .. s[(axis + 1)..]]);
    }

    private static void Squeeze(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown();
        ctx.Arity(1, 2);
        var s = ctx.Shape(0);
        int[] axes;
        if (ctx.Node.Input(1) is not null) axes = ctx.Axes(ctx.StaticInts(1, "axes"), s.Length);
        else axes = Enumerable.Range(0, s.Length).Where(i => s[i] == (SymDim)1).ToArray();
        foreach (var a in axes) if (s[a] != (SymDim)1) throw ctx.Fail($"cannot squeeze axis {a} of size {s[a]}");
        ctx.SetOutput(0, ctx.In(0).Type, s.Where((_, i) => Array.IndexOf(axes, i) < 0).ToArray());
    }

    private static void Unsqueeze(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown();
        ctx.Arity(2, 2);
        var s = ctx.Shape(0);
        var axes = ctx.Axes(ctx.StaticInts(1, "axes"), s.Length + ctx.StaticInts(1, "axes").Length);
        var shape = new SymDim[s.Length + axes.Length];
        int k = 0;
        for (int i = 0; i < shape.Length; i++) shape[i] = Array.IndexOf(axes, i) >= 0 ? 1 : s[k++];
        ctx.SetOutput(0, ctx.In(0).Type, shape);
    }

    private static void Expand(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown();
        ctx.Arity(2, 2);
        var target = ctx.KnownInts(1, "shape");
        ctx.SetOutput(0, ctx.In(0).Type, Broadcast(ctx, ctx.Shape(0), target));
    }

    private static void Reduce(RuleContext ctx)
    {
        bool sum = ctx.Node.OpType == "ReduceSum";
        ctx.Attrs.OnlyKnown(sum ? ["keepdims", "noop_with_empty_axes"] : ["axes", "keepdims"]);
        ctx.Arity(1, sum ? 2 : 1);
        ctx.RequireType(0, ElementType.Float32);
        var s = ctx.Shape(0);
        long[] axesL = sum
            ? (ctx.Node.Input(1) is null ? [] : ctx.StaticInts(1, "axes"))
            : ctx.Attrs.Ints("axes") ?? [];
        bool keep = ctx.Attrs.Int("keepdims", 1) != 0;
        int[] axes;
        if (axesL.Length == 0)
        {
            if (sum && ctx.Attrs.Int("noop_with_empty_axes", 0) != 0) axes = [];
            else axes = Enumerable.Range(0, s.Length).ToArray();
        }
        else axes = ctx.Axes(axesL, s.Length);
        Array.Sort(axes);
        var shape = new List<SymDim>();
        for (int i = 0; i < s.Length; i++)
        {
            if (Array.IndexOf(axes, i) < 0) shape.Add(s[i]);
            else if (keep) shape.Add(1);
        }
        ctx.Node.Params = new ReduceParams(axes, keep, !sum);
        ctx.SetOutput(0, ElementType.Float32, shape.ToArray());
    }

    private static void CumSum(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown("exclusive", "reverse");
        ctx.Arity(2, 2);
        ctx.RequireType(0, ElementType.Float32);
        var axisV = ctx.StaticInts(1, "axis");
        if (axisV.Length != 1) throw ctx.Fail("axis must hold one value");
        int axis = ctx.Axis(axisV[0], ctx.Rank(0));
        ctx.Node.Params = new CumSumParams(axis, ctx.Attrs.Int("exclusive", 0) != 0, ctx.Attrs.Int("reverse", 0) != 0);
        ctx.SetOutput(0, ElementType.Float32, ctx.Shape(0));
    }

    private static void Rearrange(RuleContext ctx)
    {
        bool d2s = ctx.Node.OpType == "DepthToSpace";
        ctx.Attrs.OnlyKnown(d2s ? ["blocksize", "mode"] : ["blocksize"]);
        ctx.Arity(1, 1);
        var s = ctx.Shape(0);
        if (s.Length != 4) throw ctx.Fail($"{ctx.Node.OpType} needs a 4-D input, has rank {s.Length}");
        long b = ctx.Attrs.Int("blocksize", 0);
        if (b is < 1 or > 4096) throw ctx.Fail($"blocksize {b} is invalid");
        string mode = ctx.Attrs.String("mode", "DCR");
        if (mode is not ("DCR" or "CRD")) throw ctx.Fail($"mode '{mode}' is not supported");
        int c = ctx.StaticDim(s[1], "channels"), h = ctx.StaticDim(s[2], "height"), w = ctx.StaticDim(s[3], "width");
        SymDim[] shape;
        if (d2s)
        {
            if (c % (b * b) != 0) throw ctx.Fail($"channels {c} are not divisible by blocksize^2 = {b * b}");
            shape = [s[0], c / (b * b), h * b, w * b];
        }
        else
        {
            if (h % b != 0 || w % b != 0) throw ctx.Fail($"spatial size {h}x{w} is not divisible by blocksize {b}");
            shape = [s[0], c * b * b, h / b, w / b];
        }
        ctx.Node.Params = new RearrangeParams((int)b, d2s, mode == "CRD");
        ctx.SetOutput(0, ctx.In(0).Type, shape);
    }
}
