// Inference for the operators with weights: Conv (2-D), MatMul and Gemm.
namespace FlowGen.Runtime.Graph;

internal static partial class OpRules
{
    private static void Conv(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown("auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
        ctx.Arity(2, 3);
        ctx.RequireType(0, ElementType.Float32);
        var x = ctx.Shape(0);
        var w = ctx.In(1);
        if (x.Length != 4) throw ctx.Fail($"only 2-D convolution is supported (input rank {x.Length}, expected 4)");
        if (w.Const is null) throw ctx.Fail("the weight must be a constant");
        if (w.Type != ElementType.Float32) throw ctx.Fail("the weight must be float32");
        var ws = w.Const.Shape;
        if (ws.Length != 4) throw ctx.Fail($"weight has rank {ws.Length}, expected 4");
        long group = ctx.Attrs.Int("group", 1);
        int cin = ctx.StaticDim(x[1], "input channels");
        if (group < 1 || cin % group != 0 || ws[0] % group != 0)
            throw ctx.Fail($"group {group} does not divide input channels {cin} and output channels {ws[0]}");
        if (ws[1] != cin / group) throw ctx.Fail($"weight {SymShape.Format(SymShape.FromStatic(ws))} expects {ws[1] * group} input channels, input has {cin}");
        if (ctx.Node.Input(2) is { } b)
        {
            if (b.Const is null || b.Type != ElementType.Float32) throw ctx.Fail("the bias must be a float32 constant");
            if (b.Const.Shape.Length != 1 || b.Const.Shape[0] != ws[0]) throw ctx.Fail($"bias has {b.Const.Count} elements for {ws[0]} output channels");
        }
        var kernel = ctx.Attrs.Ints("kernel_shape") ?? [ws[2], ws[3]];
        if (kernel.Length != 2 || kernel[0] != ws[2] || kernel[1] != ws[3]) throw ctx.Fail("kernel_shape does not match the weight");
        var strides = ctx.Attrs.Ints("strides") ?? [1, 1];
        var dil = ctx.Attrs.Ints("dilations") ?? [1, 1];
        if (strides.Length != 2 || dil.Length != 2 || strides.Any(v => v is < 1 or > 1 << 16) || dil.Any(v => v is < 1 or > 1 << 16))
            throw ctx.Fail("strides and dilations must be two positive values");
        int h = ctx.StaticDim(x[2], "height"), wd = ctx.StaticDim(x[3], "width");
        long ekH = (ws[2] - 1) * dil[0] + 1, ekW = (ws[3] - 1) * dil[1] + 1;
        string autoPad = ctx.Attrs.String("auto_pad", "NOTSET");
        long[] pads;
        switch (autoPad)
        {
            case "NOTSET":
                pads = ctx.Attrs.Ints("pads") ?? [0, 0, 0, 0];
                if (pads.Length != 4 || pads.Any(p => p is < 0 or > 1 << 16)) throw ctx.Fail("pads must be four non-negative values");
                break;
            case "VALID": pads = [0, 0, 0, 0]; break;
            case "SAME_UPPER" or "SAME_LOWER":
                long oh = (h + strides[0] - 1) / strides[0], ow = (wd + strides[1] - 1) / strides[1];
                long ph = Math.Max(0, (oh - 1) * strides[0] + ekH - h), pw = Math.Max(0, (ow - 1) * strides[1] + ekW - wd);
                pads = autoPad == "SAME_UPPER" ? [ph / 2, pw / 2, ph - ph / 2, pw - pw / 2] : [ph - ph / 2, pw - pw / 2, ph / 2, pw / 2];
                break;
            default: throw ctx.Fail($"auto_pad '{autoPad}' is not supported");
        }
        long outH = (h + pads[0] + pads[2] - ekH) / strides[0] + 1, outW = (wd + pads[1] + pads[3] - ekW) / strides[1] + 1;
        if (h + pads[0] + pads[2] < ekH || wd + pads[1] + pads[3] < ekW || outH < 1 || outW < 1)
            throw ctx.Fail($"kernel {ws[2]}x{ws[3]} does not fit the padded {h}x{wd} input");
        ctx.Node.Params = new ConvParams((int)ws[2], (int)ws[3], (int)strides[0], (int)strides[1], (int)pads[0], (int)pads[1],
            (int)pads[2], (int)pads[3], (int)dil[0], (int)dil[1], (int)group);
        ctx.SetOutput(0, ElementType.Float32, [x[0], ws[0], outH, outW]);
    }

    private static void MatMul(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown();
        ctx.Arity(2, 2);
        ctx.RequireType(0, ElementType.Float32);
        ctx.RequireType(1, ElementType.Float32);
        var a = ctx.Shape(0);
        var b = ctx.Shape(1);
        if (a.Length == 0 || b.Length == 0) throw ctx.Fail("MatMul inputs must have rank at least 1");
        var a2 = a.Length == 1 ? new SymDim[] { 1, a[0] } : a;
        var b2 = b.Length == 1 ? new SymDim[] { b[0], 1 } : b;
        if (a2[^1] != b2[^2]) throw ctx.Fail($"inner dimensions of {SymShape.Format(a)} and {SymShape.Format(b)} differ");
        ctx.StaticDim(a2[^1], "the inner dimension");
        ctx.StaticDim(b2[^1], "the column count");
        var batch = Broadcast(ctx, a2[..^2], b2[..^2]);
        var shape = new List<SymDim>(batch);
        if (a.Length > 1) shape.Add(a2[^2]);
        if (b.Length > 1) shape.Add(b2[^1]);
        ctx.SetOutput(0, ElementType.Float32, shape.ToArray());
    }

    private static void Gemm(RuleContext ctx)
    {
        ctx.Attrs.OnlyKnown("alpha", "beta", "transA", "transB");
        ctx.Arity(2, 3);
        for (int i = 0; i < ctx.Node.Inputs.Count; i++) if (ctx.Node.Input(i) is not null) ctx.RequireType(i, ElementType.Float32);
        var a = ctx.Shape(0);
        var b = ctx.Shape(1);
        if (a.Length != 2 || b.Length != 2) throw ctx.Fail("Gemm inputs must be 2-D");
        var p = new GemmParams(ctx.Attrs.Int("transA", 0) != 0, ctx.Attrs.Int("transB", 0) != 0, ctx.Attrs.Float("alpha", 1), ctx.Attrs.Float("beta", 1));
        SymDim m = p.TransA ? a[1] : a[0], k = p.TransA ? a[0] : a[1];
        SymDim kb = p.TransB ? b[1] : b[0], n = p.TransB ? b[0] : b[1];
        if (k != kb) throw ctx.Fail($"inner dimensions {k} and {kb} differ");
        ctx.StaticDim(k, "the inner dimension");
        ctx.StaticDim(n, "the column count");
        if (ctx.Node.Input(2) is { } c)
        {
            var bc = Broadcast(ctx, c.ShapeOrThrow, [m, n]);
            if (bc.Length != 2 || bc[0] != m || bc[1] != n) throw ctx.Fail($"C {SymShape.Format(c.ShapeOrThrow)} does not broadcast to [{m},{n}]");
        }
        ctx.Node.Params = p;
        ctx.SetOutput(0, ElementType.Float32, [m, n]);
    }
}
