// Fusion passes: Conv absorbs a following per-channel Add (into its bias) and activation; elementwise
// operators become single-pass chains, and a chain absorbs the chain producing one of its inputs when
// that intermediate has no other consumer. Fewer passes over memory, fewer arena buffers.
namespace FlowGen.Runtime.Graph;

internal static class Fusion
{
    public static void Run(ModelGraph g)
    {
        FuseConv(g);
        LowerElementwise(g);
        FuseChains(g);
    }

    private static bool SoleUse(Value v, Node consumer) =>
        !v.IsGraphOutput && v.Consumers.Count == 1 && ReferenceEquals(v.Consumers[0], consumer);

    /// <summary>The consumer's output becomes the producer's output; the consumer disappears.</summary>
    private static void Absorb(ModelGraph g, Node producer, Node consumer)
    {
        var gone = producer.Outputs[0];
        var kept = consumer.Outputs[0];
        producer.Outputs[0] = kept;
        kept.Producer = producer;
        foreach (var i in consumer.Inputs) i?.Consumers.Remove(consumer);
        g.Values.Remove(gone.Name);
        g.Nodes.Remove(consumer);
    }

    private static void FuseConv(ModelGraph g)
    {
        foreach (var conv in g.Nodes.Where(n => n.OpType == "Conv").ToList())
        {
            var p = (ConvParams)conv.Params!;
            while (conv.Outputs[0].Consumers is [var next] && SoleUse(conv.Outputs[0], next) && p.Activation == Activation.None)
            {
                var outShape = conv.Outputs[0].ShapeOrThrow;
                if (next.OpType is "Add" or "Sub" or "Mul" && next.Inputs.Count == 2 && next.Outputs[0].ShapeOrThrow.SequenceEqual(outShape)
                    && PerChannel(next, conv.Outputs[0], outShape) is { } k && (next.OpType != "Sub" || ReferenceEquals(next.Inputs[0], conv.Outputs[0])))
                {
                    FoldAffine(g, conv, next.OpType, k);
                    Absorb(g, conv, next);
                    continue;
                }
                var act = next.OpType switch
                {
                    "Relu" => Activation.Relu,
                    "LeakyRelu" => Activation.LeakyRelu,
                    "Sigmoid" => Activation.Sigmoid,
                    "Tanh" => Activation.Tanh,
                    _ => Activation.None,
                };
                if (act == Activation.None) break;
                p.Activation = act;
                if (act == Activation.LeakyRelu) p.Alpha = new NodeAttributes(g, next).Float("alpha", 0.01f);
                Absorb(g, conv, next);
            }
        }
    }

    /// <summary>
    /// Folds y = conv(x) + k, conv(x) - k or conv(x) * k (k one value per output channel) into the convolution's
    /// bias, or its weights and bias: (W x + b) * k = (k W) x + k b. New constants; the originals may be shared.
    /// </summary>
    private static void FoldAffine(ModelGraph g, Node conv, string op, float[] k)
    {
        int cout = k.Length;
        var bias = new float[cout];
        if (conv.Input(2)?.Const is { } old) old.Floats.CopyTo(bias);
        for (int c = 0; c < cout; c++) bias[c] = op switch { "Add" => bias[c] + k[c], "Sub" => bias[c] - k[c], _ => bias[c] * k[c] };
        Replace(g, conv, 2, ConstTensor.FromFloats([cout], bias), ".fused_bias");
        if (op != "Mul") return;
        var w = conv.Inputs[1]!.Const!;
        var weights = w.Floats.ToArray();
        int per = weights.Length / cout;
        for (int c = 0; c < cout; c++)
            for (int i = 0; i < per; i++) weights[c * per + i] *= k[c];
        Replace(g, conv, 1, ConstTensor.FromFloats(w.Shape, weights), ".fused_weight");
    }

    private static void Replace(ModelGraph g, Node n, int index, ConstTensor t, string suffix)
    {
        var v = new Value(n.Name + suffix + g.Values.Count) { Type = t.Type, Shape = SymShape.FromStatic(t.Shape), Const = t };
        g.Values[v.Name] = v;
        while (n.Inputs.Count <= index) n.Inputs.Add(null);
        n.Inputs[index]?.Consumers.Remove(n);
        n.Inputs[index] = v;
        v.Consumers.Add(n);
    }

    /// <summary>The other operand of <paramref name="op"/> expanded to one value per channel, when it is such a constant (or a scalar).</summary>
    private static float[]? PerChannel(Node op, Value convOut, SymDim[] outShape)
    {
        var other = ReferenceEquals(op.Inputs[0], convOut) ? op.Inputs[1] : op.Inputs[0];
        if (ReferenceEquals(other, convOut) || other?.Const is not { Type: ElementType.Float32 } c) return null;
        int cout = (int)outShape[1].Const;
        var s = c.Shape;
        if (c.Count == 1 && s.Length <= 4) return Enumerable.Repeat(c.Floats[0], cout).ToArray();
        bool ok = (s.Length == 3 && s[0] == cout && s[1] == 1 && s[2] == 1) || (s.Length == 4 && s[0] == 1 && s[1] == cout && s[2] == 1 && s[3] == 1);
        return ok ? c.Floats.ToArray() : null;
    }

    public static void LowerElementwise(ModelGraph g)
    {
        foreach (var n in g.Nodes)
        {
            if (n.Outputs[0].Type != ElementType.Float32) continue;
            if (ElementwiseKinds.TryBinary(n.OpType, out var bin))
            {
                var ops = new MicroOp[n.Inputs.Count - 1];
                for (int i = 1; i < n.Inputs.Count; i++) ops[i - 1] = new MicroOp(bin, i);
                n.Params = new ChainParams(0, ops);
            }
            else if (n.OpType == "Clip")
            {
                for (int i = n.Inputs.Count - 1; i > 0; i--) { n.Inputs[i]?.Consumers.Remove(n); n.Inputs.RemoveAt(i); }
            }
            else if (ElementwiseKinds.TryUnary(n.OpType, out var un))
            {
                float alpha = un == ElementwiseKind.LeakyRelu ? new NodeAttributes(g, n).Float("alpha", 0.01f) : 0;
                n.Params = new ChainParams(0, [new MicroOp(un, A: alpha)]);
            }
            else continue;
            n.OpType = "Elementwise";
        }
    }

    private static void FuseChains(ModelGraph g)
    {
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var c in g.Nodes.Where(n => n.OpType == "Elementwise").ToList())
            {
                for (int k = 0; k < c.Inputs.Count && !changed; k++)
                {
                    var v = c.Inputs[k]!;
                    if (v.Producer is not { OpType: "Elementwise" } p || !SoleUse(v, c) || c.Inputs.Count(x => ReferenceEquals(x, v)) != 1) continue;
                    if (!p.Outputs[0].ShapeOrThrow.SequenceEqual(c.Outputs[0].ShapeOrThrow)) continue;
                    var cp = (ChainParams)c.Params!;
                    if (cp.First != k)
                    {
                        // out = op(First, v) is rewritten as out = reversed op(v, First) so v can lead the chain.
                        if (cp.Ops.Length == 0 || cp.Ops[0].Operand != k || !cp.Ops[0].IsBinary) continue;
                        var ops = (MicroOp[])cp.Ops.Clone();
                        ops[0] = ops[0] with { Operand = cp.First, Reversed = !ops[0].Reversed };
                        cp = new ChainParams(k, ops);
                    }
                    Merge(g, p, c, cp, k);
                    changed = true;
                }
                if (changed) break;
            }
        }
    }

    private static void Merge(ModelGraph g, Node p, Node c, ChainParams cp, int k)
    {
        var pp = (ChainParams)p.Params!;
        var inputs = new List<Value?>(p.Inputs);
        var map = new int[c.Inputs.Count];
        for (int i = 0; i < c.Inputs.Count; i++)
        {
            if (i == k) { map[i] = -1; continue; }
            map[i] = inputs.Count;
            inputs.Add(c.Inputs[i]);
        }
        var ops = new List<MicroOp>(pp.Ops);
        foreach (var op in cp.Ops) ops.Add(op.Operand < 0 ? op : op with { Operand = map[op.Operand] });
        foreach (var i in p.Inputs) i?.Consumers.Remove(p);
        foreach (var i in c.Inputs) i?.Consumers.Remove(c);
        g.Values.Remove(c.Inputs[k]!.Name);
        c.Inputs.Clear();
        c.Inputs.AddRange(inputs);
        foreach (var i in inputs) i?.Consumers.Add(c);
        c.Params = new ChainParams(pp.First, ops.ToArray());
        g.Nodes.Remove(p);
    }
}
