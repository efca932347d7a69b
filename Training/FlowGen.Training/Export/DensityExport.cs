// The density direction of a trained flow as a standard ONNX graph (opset 17): input x [N,C,S,S] in model units,
// outputs z [N,D] (the trainer's latent layout [z_0, z_1, …]) and log_det [N], so that
// log p(x) = Σ log N(z_i; 0, 1) + log_det, exactly the trainer's Encode. `flowgen eval` recomputes held-out
// bits/dim from the file with it (`model.density.onnx` beside `model.onnx`). ActNorm and 1x1-conv
// log-determinants are constants of the weights (per-pixel value times H·W), folded into one Add; the coupling's
// data-dependent term is Σ log sigmoid(a) = -Σ softplus(-a), a spline coupling's Σ log dy/dx (SplineExport.Forward); a learned
// split prior's is -Σ log σ(h). A conditional (detail) model's graph also takes the input `context`, taken down the levels
// exactly as its sampling graph does (FlowExporter.LevelContexts), so log p(x | context) is its Encode's.
using FlowGen.Runtime.Onnx.Proto;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Flows;
using static FlowGen.Training.Export.OnnxGraphBuilder;

namespace FlowGen.Training.Export;

internal static class DensityExport
{
    /// <summary>Null when the model has a layer or input the density export does not cover, with the reason.</summary>
    public static string? Unsupported(MultiScaleFlow<float> model)
    {
        foreach (var level in model.Levels)
            foreach (var step in level.Steps)
                foreach (var t in ((FlowSequence<float>)step).Steps)
                    if (t is not (ActNorm<float> or InvConv1x1Base<float> or AffineCouplingTransform<float> or AdditiveCouplingTransform<float>
                        or SplineCouplingTransform<float> or ChannelPermutation<float>))
                        return $"{t.GetType().Name.Split('`')[0]} layers";
        return null;
    }

    /// <summary>The density graph; a model that reads phase maps needs <paramref name="phaseMapsAt"/>, as its sampling graph does.</summary>
    public static ModelProto Build(MultiScaleFlow<float> model, IReadOnlyDictionary<string, string> metadata, (int Factor, int Phase)? phaseMapsAt = null)
    {
        if (Unsupported(model) is { } reason) throw new NotSupportedException($"No density export for {reason}.");
        using var _ = GradMode.NoGrad();
        var g = new OnnxGraphBuilder();
        var cfg = model.Config;
        int s = cfg.Size, c = cfg.InChannels;
        g.Graph.Input.Add(Value("x", c, s, s));
        var contexts = FlowExporter.LevelContexts(g, cfg, phaseMapsAt);
        string x = "x";
        double constant = 0;
        var terms = new List<string>();
        var zs = new List<string>();
        for (int l = 0; l < cfg.Levels; l++)
        {
            x = g.Squeeze(x, c, s);
            c *= 4;
            s /= 2;
            foreach (var step in model.Levels[l].Steps)
                foreach (var t in ((FlowSequence<float>)step).Steps)
                    x = Forward(g, t, x, c, s * s, contexts[l], ref constant, terms);
            var (zc, zh, zw) = model.LatentShapes[l];
            if (l < cfg.Levels - 1)
            {
                var (keep, factored) = FlowExporter.Halves(g, x, c / 2, c - c / 2);
                if (model.Priors.Count > 0)
                {
                    // ε = (z - μ(h)) · exp(-log σ(h)); log_det gains -Σ log σ.
                    var (mean, logs) = FlowExporter.PriorParameters(g, model.Priors[l], keep);
                    factored = g.Op("Mul", [g.Op("Sub", [factored, mean]), g.Op("Exp", [g.Op("Neg", [logs])])]);
                    terms.Add(g.Op("Neg", [g.Op("ReduceSum", [logs, g.Ints("axes", 1, 2, 3)], Int("keepdims", 0))]));
                }
                zs.Add(g.Op("Reshape", [factored, g.Ints("shape", -1, zc * zh * zw)]));
                x = keep;
                c /= 2;
            }
            else zs.Add(g.Op("Reshape", [x, g.Ints("shape", -1, zc * zh * zw)]));
        }
        string z = zs.Count == 1 ? zs[0] : g.Op("Concat", [.. zs], Int("axis", 1));
        g.RenameLastOutput(z, "z");
        g.Graph.Output.Add(Value("z", cfg.Dims));
        // log_det = constant + Σ data-dependent terms, each [N]; a zero [N] from x when there are none (additive flows).
        string ld = terms.Count > 0 ? terms[0] : g.Op("Mul", [g.Op("ReduceSum", ["x", g.Ints("axes", 1, 2, 3)], Int("keepdims", 0)), g.Floats("zero", [], [0.0])]);
        for (int i = 1; i < terms.Count; i++) ld = g.Op("Add", [ld, terms[i]]);
        ld = g.Op("Add", [ld, g.Floats("logdet_const", [], [constant])]);
        g.RenameLastOutput(ld, "log_det");
        g.Graph.Output.Add(Value("log_det"));
        return g.ToModel("FlowGen density graph x -> (z, log_det) in model units: log p(x) = sum log N(z; 0, 1) + log_det.", metadata);
    }

    private static string Forward(OnnxGraphBuilder g, FlowTransform<float> t, string x, int c, int pixels, FlowExporter.LevelContext? ctx,
        ref double constant, List<string> terms)
    {
        switch (t)
        {
            case ActNorm<float> an:
                {
                    x = g.Op("Add", [x, g.Floats("an_bias", [1, c, 1, 1], an.Bias.Data.Select(v => (double)v))]);
                    constant += an.Logs.Data.Sum(v => (double)v) * pixels;
                    return g.Op("Mul", [x, g.Floats("an_scale", [1, c, 1, 1], an.Logs.Data.Select(v => Math.Exp(v)))]);
                }
            case InvConv1x1Base<float> ic:
                {
                    var w = ic.Weight();
                    // The layer's own log|det W| (LU: Σ log|s|), read through a 1-pixel forward pass.
                    var (_, ld) = ic.Forward(new Tensor<float>([1, c, 1, 1]));
                    constant += (double)ld.Data[0] * pixels;
                    return g.Op("Conv", [x, g.Floats("w", [c, c, 1, 1], w.Data)],
                        IntList("kernel_shape", 1, 1), IntList("pads", 0, 0, 0, 0), IntList("strides", 1, 1));
                }
            case ChannelPermutation<float> p:
                return g.Op("Gather", [x, g.Ints("perm", p.Permutation.Select(v => (long)v).ToArray())], Int("axis", 1));
            case AdditiveCouplingTransform<float> a:
                {
                    var (xa, xb) = FlowExporter.Halves(g, x, a.Ca, a.Cb);
                    string shift = FlowExporter.Net(g, a.Net, xa, ctx, a.Net.Conv3.Weight.Data, a.Net.Conv3.Bias.Data, a.Cb);
                    return g.Op("Concat", [xa, g.Op("Add", [xb, shift])], Int("axis", 1));
                }
            case AffineCouplingTransform<float> a:
                {
                    var (xa, xb) = FlowExporter.Halves(g, x, a.Ca, a.Cb);
                    var (w, b) = FlowExporter.ShiftThenScaleRows(a);
                    string o = FlowExporter.Net(g, a.Net, xa, ctx, w, b, 2 * a.Cb);
                    var (shift, pre) = FlowExporter.Halves(g, o, a.Cb, a.Cb);
                    string yb = g.Op("Mul", [g.Op("Add", [xb, shift]), g.Op("Sigmoid", [pre])]);
                    // Σ log sigmoid(a) = -Σ softplus(-a), stable for large |a|.
                    string logSig = g.Op("Neg", [g.Op("Softplus", [g.Op("Neg", [pre])])]);
                    terms.Add(g.Op("ReduceSum", [logSig, g.Ints("axes", 1, 2, 3)], Int("keepdims", 0)));
                    return g.Op("Concat", [xa, yb], Int("axis", 1));
                }
            case SplineCouplingTransform<float> sp:
                return SplineExport.Forward(g, sp, x, ctx, terms);
            default:
                throw new NotSupportedException($"No density export for {t.GetType().Name}.");
        }
    }
}
