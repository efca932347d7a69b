// Exports a trained flow's sampling direction as a standard ONNX graph (opset 17, ai.onnx ops only):
// input z [N,C,H,W] (its row-major flattening is the trainer's latent layout [z_0, z_1, …]), optional
// input context [N,Cc,H,W], output x [N,C,H,W] in model units. Nothing is iterative or random at run
// time: 1x1-conv inverses are precomputed in double and ActNorm is folded into them (or into Mul/Add),
// Glow's "+2" is folded into the last conv's bias, and its interleaved shift/scale channels are
// reordered into two contiguous halves. Metadata follows DESIGN.md's model contract.
using System.Globalization;
using FlowGen.Runtime;
using FlowGen.Runtime.Formats;
using FlowGen.Runtime.Onnx.Proto;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Flows;
using Google.Protobuf;
using static FlowGen.Training.Export.OnnxGraphBuilder;

namespace FlowGen.Training.Export;

/// <summary>Writes FlowGen ONNX models from checkpoints.</summary>
public static class FlowExporter
{
    // The training data's largest window relief (model units): from the checkpoint, or for checkpoints written before it
    // was recorded, from the training data when that file is still there unchanged.
    private static double? MaxRelief(System.Text.Json.Nodes.JsonObject header, TrainOptions opt, int patch)
    {
        if (header["max_relief"] is { } r) return r.GetValue<double>();
        return TrainingData(header, opt, patch)?.MaxRelief;
    }

    // The training data as the trainer saw it, when that file is still there unchanged; else null.
    private static Data.PatchDataset? TrainingData(System.Text.Json.Nodes.JsonObject header, TrainOptions opt, int patch)
    {
        if (!File.Exists(opt.Data) || header["data_sha256"]?.GetValue<string>() is not { } hash || Trainer.HashFile(opt.Data) != hash) return null;
        return opt.LoadData(patch);
    }

    /// <summary>Metadata key of a detail model: the correlation of two draws given the same context (what worlds blend by).</summary>
    public const string DrawCorrelationKey = "flowgen.context.draw_correlation";

    /// <summary>Metadata key of a detail model: the offset from the block grid at which worlds lay its patches.</summary>
    public const string ContextPhaseKey = "flowgen.context.phase";

    /// <summary>Held-out contexts the draw correlation is measured on.</summary>
    internal const int DrawCorrelationContexts = 512;

    /// <summary>
    /// The correlation of two draws of a detail model given the same context: the exported sampling graph run at its default
    /// temperature on <see cref="DrawCorrelationContexts"/> held-out contexts with two latent seeds (implausible draws redrawn,
    /// as worlds redraw them), each residual less its mean, Pearson over every pixel (clamped to [0, 0.95]). Neighbouring patches of a world share their context, so their
    /// residuals are correlated this much where the lattice blends them; the blend's weights are normalised for it.
    /// </summary>
    public static double DrawCorrelation(ModelProto sampling, Data.PatchDataset data)
    {
        using var model = FlowModel.Load(sampling.ToByteArray(), new FlowModelOptions { MaxBatch = 64 }, "exported sampling graph");
        var (_, n, positions) = data.TestSet(DrawCorrelationContexts, 11);
        var context = data.ContextsAt(positions);
        int size = model.SampleLength;
        var a = new float[n * size];
        var b = new float[n * size];
        float t = model.Metadata.DefaultTemperature;
        // Drawn as worlds draw them: a draw whose inverse blew up is redrawn (else one inf would make the correlation NaN).
        model.SamplePlausible(a, 1, 0, n, t, context);
        model.SamplePlausible(b, 2, 0, n, t, context);
        double ab = 0, aa = 0, bb = 0;
        for (int k = 0; k < n; k++)
        {
            var pa = a.AsSpan(k * size, size);
            var pb = b.AsSpan(k * size, size);
            double ma = 0, mb = 0;
            for (int i = 0; i < size; i++) (ma, mb) = (ma + pa[i], mb + pb[i]);
            (ma, mb) = (ma / size, mb / size);
            for (int i = 0; i < size; i++)
            {
                double u = pa[i] - ma, v = pb[i] - mb;
                (ab, aa, bb) = (ab + u * v, aa + u * u, bb + v * v);
            }
        }
        double rho = ab / Math.Sqrt(aa * bb);
        if (!double.IsFinite(rho)) // e.g. every draw flat: no model a world could blend
            throw new FlowGenException($"the correlation of two draws given the same context is not a number ({ab} / sqrt({aa} * {bb})): the detail model's draws are degenerate at temperature {t}", "exported sampling graph");
        return Math.Clamp(rho, 0, 0.95);
    }

    /// <summary>
    /// Exports the checkpoint's model (EMA weights when used) to <paramref name="onnxPath"/> atomically, and its density
    /// graph to `name.density.onnx` beside it (what `flowgen eval` reads; a detail model's also takes the context). The training
    /// command defaults to the one the checkpoint recorded; <paramref name="temperature"/> overrides the default
    /// sampling temperature (e.g. the one `flowgen eval --sweep` recommends), <paramref name="extraMetadata"/> adds entries.
    /// <paramref name="levelTemperatures"/> (one per level, finest first) scale each level's latents inside the sampling
    /// graph, under the run-time temperature; the density graph stays the trained flow's.
    /// </summary>
    public static void Export(string checkpointPath, string onnxPath, string? trainCommand = null, double? temperature = null,
        IReadOnlyDictionary<string, string>? extraMetadata = null, IReadOnlyList<double>? levelTemperatures = null, int? phaseMapsAt = null)
    {
        var (model, opt, header) = Trainer.LoadForInference(checkpointPath);
        if (phaseMapsAt is { } moved)
        {
            // A model with phase maps can be baked at either offset its draw correlation can be measured at.
            if (opt.PhaseMaps is null)
                throw new ArgumentException($"{checkpointPath}: only a model trained with --phase-maps can be exported at another offset from the block grid; this one was trained " +
                    (opt.ContextPhase is { } trained ? $"at phase {trained}" : "without phase maps (record a phase on its exported .onnx instead)"));
            opt = opt with { PhaseMaps = moved };
            opt.Validate();
        }
        CheckLevelTemperatures(model.Config, levelTemperatures, checkpointPath);
        string kind = header["kind"]?.GetValue<string>() ?? "heightmap";
        double sigma = header["sigma"]!.GetValue<double>();
        var evals = header["evals"]?.AsArray();
        var c = model.Config;
        var meta = new Dictionary<string, string>
        {
            ["flowgen.version"] = "1",
            ["flowgen.kind"] = kind,
            ["flowgen.shape"] = $"{c.InChannels},{c.Size},{c.Size}",
            // heightmaps: metres relative to the patch mean; textures: 0..1 intensity
            ["flowgen.scale"] = F(kind == "texture" ? sigma / 255 : sigma),
            ["flowgen.offset"] = F(kind == "texture" ? 127.5 / 255 : 0),
            ["flowgen.default_temperature"] = F(temperature ?? opt.Temperature),
            ["flowgen.arch"] = c.Arch.ToString().ToLowerInvariant(),
            ["flowgen.arch.config"] = System.Text.Json.JsonSerializer.Serialize(c, Trainer.Json),
            ["flowgen.train.command"] = trainCommand ?? opt.Command ?? "",
            ["flowgen.train.data_sha256"] = header["data_sha256"]?.GetValue<string>() ?? "",
            ["flowgen.train.steps"] = (header["step"]?.GetValue<int>() ?? 0).ToString(CultureInfo.InvariantCulture),
            ["flowgen.train.test_bpd"] = evals is { Count: > 0 } ? F(evals[^1]!["TestBpd"]!.GetValue<double>()) : "",
        };
        if (kind == "heightmap" && header["pixel_size_m"] is { } px) meta["flowgen.pixel_size_m"] = F(px.GetValue<double>());
        if (MaxRelief(header, opt, c.Size) is { } relief) meta["flowgen.sample.max_relief"] = F(relief);
        if (opt.ContextFactor > 0)
        {
            // A detail model: context = the terrain's own block means, upsampled, minus their mean; x = the residual over it.
            meta["flowgen.context"] = "coarse";
            meta["flowgen.context.factor"] = opt.ContextFactor.ToString(CultureInfo.InvariantCulture);
            // Trained at one offset from the block grid: worlds lay the detail lattice there.
            if (opt.ContextPhase is { } phase) meta[ContextPhaseKey] = phase.ToString(CultureInfo.InvariantCulture);
            // Trained at every offset with phase maps: the graph is the model at the offset the run names, where worlds lay it.
            if (opt.PhaseMaps is { } at)
            {
                meta[ContextPhaseKey] = at.ToString(CultureInfo.InvariantCulture);
                meta[FlowGen.Runtime.ModelMetadata.ContextPhaseBakedKey] = "1";
            }
        }
        if (temperature is { } t && !(double.IsFinite(t) && t > 0)) throw new ArgumentException($"the default temperature must be positive, not {t}");
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>()) meta[key] = value;
        var proto = BuildSampling(model, meta, levelTemperatures, opt.PhaseMaps is { } p ? (opt.ContextFactor, p) : null);
        // The draws' correlation where worlds lay the model: held-out windows at its offset, the context alone.
        var measured = opt.PhaseMaps is { } offset ? opt with { PhaseMaps = null, ContextPhase = offset } : opt;
        if (opt.ContextFactor > 0 && !meta.ContainsKey(DrawCorrelationKey) && TrainingData(header, measured, c.Size) is { } data)
            proto.MetadataProps.Add(new StringStringEntryProto { Key = DrawCorrelationKey, Value = DrawCorrelation(proto, data).ToString("F3", CultureInfo.InvariantCulture) });
        AtomicFile.Write(onnxPath, s => proto.WriteTo(s));
        // The density graph beside it (model.onnx -> model.density.onnx), where the exporter covers every layer (all it builds today).
        if (DensityExport.Unsupported(model) is null)
        {
            var density = DensityExport.Build(model, meta, opt.PhaseMaps is { } pm ? (opt.ContextFactor, pm) : null);
            string densityPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(onnxPath))!, Path.GetFileNameWithoutExtension(onnxPath) + ".density.onnx");
            AtomicFile.Write(densityPath, s => density.WriteTo(s));
        }
    }

    /// <summary>The density graph (x[, context]) -> (z, log_det) of <paramref name="model"/>; a model that reads phase maps needs
    /// <paramref name="phaseMapsAt"/>, as its sampling graph does.</summary>
    public static ModelProto BuildDensity(MultiScaleFlow<float> model, IReadOnlyDictionary<string, string> metadata, (int Factor, int Phase)? phaseMapsAt = null) =>
        DensityExport.Build(model, metadata, phaseMapsAt);

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Metadata key recording the per-level latent temperatures baked into a sampling graph (finest level first).</summary>
    public const string LevelTemperaturesKey = "flowgen.level_temperatures";

    /// <summary>Throws ArgumentException unless <paramref name="levelTemperatures"/> is null or one finite positive value per level.</summary>
    public static void CheckLevelTemperatures(FlowConfig config, IReadOnlyList<double>? levelTemperatures, string? source = null)
    {
        if (levelTemperatures is null) return;
        source = source is null ? "" : source + ": ";
        if (levelTemperatures.Count != config.Levels)
            throw new ArgumentException($"{source}the flow has {config.Levels} levels, so it takes {config.Levels} level temperatures (finest first), not {levelTemperatures.Count}");
        foreach (double t in levelTemperatures)
            if (!(double.IsFinite(t) && t > 0)) throw new ArgumentException($"{source}level temperatures must be finite and positive, not {t}");
    }

    /// <summary>
    /// The sampling graph of <paramref name="model"/> with <paramref name="metadata"/>; each level's latents z_l are
    /// multiplied by <paramref name="levelTemperatures"/>[l] (finest first) when given, as <see cref="ModelTempering"/> does
    /// to an exported model. A model that reads phase maps is exported at <paramref name="phaseMapsAt"/> (its block size and
    /// the offset from the block grid its patches are laid at), the maps baked in.
    /// </summary>
    public static ModelProto BuildSampling(MultiScaleFlow<float> model, IReadOnlyDictionary<string, string> metadata,
        IReadOnlyList<double>? levelTemperatures = null, (int Factor, int Phase)? phaseMapsAt = null)
    {
        CheckLevelTemperatures(model.Config, levelTemperatures);
        using var _ = GradMode.NoGrad();
        var g = new OnnxGraphBuilder();
        var cfg = model.Config;
        int s = cfg.Size, ch = cfg.InChannels;
        g.Graph.Input.Add(Value("z", ch, s, s));
        var contexts = LevelContexts(g, cfg, phaseMapsAt);
        string flat = g.Op("Reshape", ["z", g.Ints("shape", -1, cfg.Dims)]);
        var offs = new int[cfg.Levels + 1];
        for (int l = 0; l < cfg.Levels; l++) offs[l + 1] = offs[l] + model.LatentShapes[l].C * model.LatentShapes[l].H * model.LatentShapes[l].W;
        string? h = null;
        for (int l = cfg.Levels - 1; l >= 0; l--)
        {
            var (c, hh, ww) = model.LatentShapes[l];
            string zl = g.Op("Slice", [flat, g.Ints("start", offs[l]), g.Ints("end", offs[l + 1]), g.Ints("axis", 1)]);
            zl = g.Op("Reshape", [zl, g.Ints("shape", -1, c, hh, ww)]);
            if (h is not null && model.Priors.Count > 0)
            {
                var (mean, logs) = PriorParameters(g, model.Priors[l], h);
                zl = g.Op("Add", [g.Op("Mul", [zl, g.Op("Exp", [logs])]), mean]); // z = μ(h) + σ(h) ε
            }
            h = h is null ? zl : g.Op("Concat", [h, zl], Int("axis", 1));
            var steps = model.Levels[l].Steps;
            for (int k = steps.Count - 1; k >= 0; k--) h = StepInverse(g, (FlowSequence<float>)steps[k], h, contexts[l]);
            h = g.Op("DepthToSpace", [h], Int("blocksize", 2), Str("mode", "CRD"));
        }
        g.RenameLastOutput(h!, "x");
        g.Graph.Output.Add(Value("x", ch, s, s));
        var proto = g.ToModel("FlowGen sampling graph z -> x (model units; physical = x * flowgen.scale + flowgen.offset). Scale z by the temperature.", metadata);
        if (levelTemperatures is not null)
            ModelTempering.Apply(proto, model.LatentShapes.Select(z => z.C * z.H * z.W).ToArray(), [ch, s, s], levelTemperatures, "sampling graph");
        return proto;
    }

    /// <summary>
    /// What each level's coupling networks read of a conditional model's context (null per level for a plain model): adds the
    /// graph input `context` [N, ContextChannels, S, S] and takes it down the levels as the trainer does (squeezed or pooled,
    /// with its gradient magnitude when the model reads it), with the phase maps at <paramref name="phaseMapsAt"/> baked in.
    /// Shared by the sampling and the density graph, so both see exactly the same context.
    /// </summary>
    internal static List<LevelContext?> LevelContexts(OnnxGraphBuilder g, FlowConfig cfg, (int Factor, int Phase)? phaseMapsAt)
    {
        var contexts = new List<LevelContext?>();
        int s = cfg.Size;
        if (cfg.ContextChannels > 0)
        {
            g.Graph.Input.Add(Value("context", cfg.ContextChannels, s, s));
            string cur = cfg.ContextGradient ? ContextGradient(g, "context", s) : "context";
            int cc = cfg.NetContextChannels - (cfg.PhaseMaps ? FlowConfig.PhaseMapChannels : 0), hs = s;
            Tensor<float>? maps = null; // the phase maps at the baked offset, taken down the levels as the context is
            if (cfg.PhaseMaps)
            {
                if (phaseMapsAt is not { Factor: >= 2 } at)
                    throw new ArgumentException("this model reads phase maps: its graphs need the block size and the offset to bake in");
                maps = new Tensor<float>([1, FlowConfig.PhaseMapChannels, s, s]);
                Data.PhaseMaps.Write(maps.Data, s, at.Factor, at.Phase, at.Phase);
            }
            for (int l = 0; l < cfg.Levels; l++)
            {
                cur = g.Squeeze(cur, cc, hs);
                hs /= 2;
                if (cfg.ContextPool && l >= cfg.ContextSqueezeLevels) // 2x2 average pooling: the squeeze's four sub-pixel channels of each context channel, averaged
                    cur = g.Op("ReduceMean", [g.Op("Reshape", [cur, g.Ints("shape", -1, cc, 4, hs, hs)])], IntList("axes", 2), Int("keepdims", 0));
                else cc *= 4;
                if (maps is not null) maps = MultiScaleFlow<float>.LevelContext(cfg, maps, l);
                contexts.Add(new LevelContext(cur, maps));
            }
        }
        else contexts.AddRange(Enumerable.Repeat<LevelContext?>(null, cfg.Levels));
        return contexts;
    }

    private static string StepInverse(OnnxGraphBuilder g, FlowSequence<float> step, string h, LevelContext? ctx)
    {
        var ts = step.Steps;
        for (int i = ts.Count - 1; i >= 0; i--)
        {
            switch (ts[i])
            {
                case AffineCouplingTransform<float> a:
                    h = AffineInverse(g, a, h, ctx);
                    break;
                case AdditiveCouplingTransform<float> a:
                    {
                        var (ya, yb) = Halves(g, h, a.Ca, a.Cb);
                        string sh = Net(g, a.Net, ya, ctx, a.Net.Conv3.Weight.Data, a.Net.Conv3.Bias.Data, a.Cb);
                        h = g.Op("Concat", [ya, g.Op("Sub", [yb, sh])], Int("axis", 1));
                        break;
                    }
                case SplineCouplingTransform<float> sp:
                    h = SplineExport.Inverse(g, sp, h, ctx);
                    break;
                case ChannelPermutation<float> p:
                    {
                        var perm = p.Permutation;
                        var inv = new long[perm.Length];
                        for (int j = 0; j < perm.Length; j++) inv[perm[j]] = j;
                        h = g.Op("Gather", [h, g.Ints("perm", inv)], Int("axis", 1));
                        break;
                    }
                case InvConv1x1Base<float> ic:
                    {
                        int n = ic.Channels;
                        var wi = ic.InverseWeight();
                        var bias = new double[n];
                        if (i > 0 && ts[i - 1] is ActNorm<float> an)
                        {
                            // x = diag(exp(-logs)) W⁻¹ y - b: ActNorm folded into the inverse 1x1 conv.
                            for (int r = 0; r < n; r++)
                            {
                                double e = Math.Exp(-an.Logs.Data[r]);
                                for (int q = 0; q < n; q++) wi[r * n + q] *= e;
                                bias[r] = -an.Bias.Data[r];
                            }
                            i--;
                        }
                        h = g.Op("Conv", [h, g.Floats("w_inv", [n, n, 1, 1], wi), g.Floats("b", [n], bias)],
                            IntList("kernel_shape", 1, 1), IntList("pads", 0, 0, 0, 0), IntList("strides", 1, 1));
                        break;
                    }
                case ActNorm<float> an:
                    {
                        int n = an.Bias.Length;
                        h = g.Op("Mul", [h, g.Floats("an_scale", [1, n, 1, 1], an.Logs.Data.Select(v => Math.Exp(-v)))]);
                        h = g.Op("Sub", [h, g.Floats("an_bias", [1, n, 1, 1], an.Bias.Data.Select(v => (double)v))]);
                        break;
                    }
                default:
                    throw new NotSupportedException($"No ONNX export for {ts[i].GetType().Name}.");
            }
        }
        return h;
    }

    /// <summary>A split prior's mean and log-scale from the kept half <paramref name="kept"/>: one 3x3 Conv, then its two halves.</summary>
    internal static (string Mean, string LogScale) PriorParameters(OnnxGraphBuilder g, SplitPrior<float> prior, string kept)
    {
        var w = prior.Conv.Weight;
        string p = g.Op("Conv", [kept, g.Floats("prior_w", [.. w.Shape.Select(d => (long)d)], w.Data), g.Floats("prior_b", [w.Dim(0)], prior.Conv.Bias.Data)],
            IntList("kernel_shape", 3, 3), IntList("pads", 1, 1, 1, 1), IntList("strides", 1, 1));
        return Halves(g, p, prior.Factored, prior.Factored);
    }

    /// <summary>What a level's coupling networks read besides their input: the graph value of the context (with its gradient,
    /// squeezed or pooled to the level) and, for a model with phase maps, the constant maps at the level.</summary>
    internal sealed record LevelContext(string Value, Tensor<float>? PhaseMaps);

    internal static (string A, string B) Halves(OnnxGraphBuilder g, string h, int ca, int cb) =>
        (g.Op("Slice", [h, g.Ints("start", 0), g.Ints("end", ca), g.Ints("axis", 1)]),
         g.Op("Slice", [h, g.Ints("start", ca), g.Ints("end", ca + cb), g.Ints("axis", 1)]));

    // Glow coupling inverse: xb = yb / sigmoid(h_s + 2) - h_t with conv3's rows reordered to [t; s] and +2 in s's bias.
    private static string AffineInverse(OnnxGraphBuilder g, AffineCouplingTransform<float> a, string h, LevelContext? ctx)
    {
        var (ya, yb) = Halves(g, h, a.Ca, a.Cb);
        int cb = a.Cb;
        var (w, b) = ShiftThenScaleRows(a);
        string o = Net(g, a.Net, ya, ctx, w, b, 2 * cb);
        var (shift, pre) = Halves(g, o, cb, cb);
        string xb = g.Op("Sub", [g.Op("Div", [yb, g.Op("Sigmoid", [pre])]), shift]);
        return g.Op("Concat", [ya, xb], Int("axis", 1));
    }

    /// <summary>The last conv's weights and bias with the interleaved (shift, scale) rows reordered to [shift; scale] and Glow's +2 in the scale bias.</summary>
    internal static (float[] Weight, float[] Bias) ShiftThenScaleRows(AffineCouplingTransform<float> a)
    {
        int cb = a.Cb, rowLen = a.Net.Conv3.Weight.Length / (2 * cb);
        var w3 = a.Net.Conv3.Weight.Data;
        var b3 = a.Net.Conv3.Bias.Data;
        var w = new float[w3.Length];
        var b = new float[2 * cb];
        for (int j = 0; j < cb; j++)
        {
            Array.Copy(w3, 2 * j * rowLen, w, j * rowLen, rowLen);
            Array.Copy(w3, (2 * j + 1) * rowLen, w, (cb + j) * rowLen, rowLen);
            b[j] = b3[2 * j];
            b[cb + j] = b3[2 * j + 1] + 2f;
        }
        return (w, b);
    }

    /// <summary>conv3x3 → ReLU → conv1x1 (+ the global pool's term) → ReLU → conv3x3 with the given (possibly rearranged) last
    /// layer. Phase maps baked into <paramref name="ctx"/> are the first convolution's last input channels: their share of
    /// it is a constant map, added before the ReLU, and the convolution keeps the other channels' weights.</summary>
    internal static string Net(OnnxGraphBuilder g, CouplingNet<float> net, string x, LevelContext? ctx, float[] w3, float[] b3, int out3)
    {
        if (ctx is not null) x = g.Op("Concat", [x, ctx.Value], Int("axis", 1));
        string h1;
        if (ctx?.PhaseMaps is { } maps)
        {
            var w1 = net.Conv1.Weight;
            int co = w1.Dim(0), ci = w1.Dim(1), k = w1.Dim(2), m = maps.Dim(1), kept = ci - m;
            var wKept = new float[co * kept * k * k];
            var wMaps = new float[co * m * k * k];
            for (int o = 0; o < co; o++)
            {
                Array.Copy(w1.Data, o * ci * k * k, wKept, o * kept * k * k, kept * k * k);
                Array.Copy(w1.Data, (o * ci + kept) * k * k, wMaps, o * m * k * k, m * k * k);
            }
            var share = Ops.Conv2d(maps, new Tensor<float>([co, m, k, k], wMaps), null); // [1, co, h, w], zero-padded like the graph's
            string conv = Conv(g, x, new Tensor<float>([co, kept, k, k], wKept), wKept, net.Conv1.Bias.Data);
            h1 = g.Op("Relu", [g.Op("Add", [conv, g.Floats("phase_share", share.Shape.Select(d => (long)d).ToArray(), share.Data)])]);
        }
        else h1 = g.Op("Relu", [Conv(g, x, net.Conv1.Weight, net.Conv1.Weight.Data, net.Conv1.Bias.Data)]);
        string h = Conv(g, h1, net.Conv2.Weight, net.Conv2.Weight.Data, net.Conv2.Bias.Data);
        if (net.Global is { } gl) // the image-averaged features through their 1x1 conv, broadcast over the pixels
            h = g.Op("Add", [h, Conv(g, g.Op("ReduceMean", [h1], IntList("axes", 2, 3), Int("keepdims", 1)), gl.Weight, gl.Weight.Data, gl.Bias.Data)]);
        h = g.Op("Relu", [h]);
        var s = net.Conv3.Weight.Shape;
        return Conv(g, h, new Tensor<float>([out3, s[1], s[2], s[3]], w3), w3, b3);
    }

    // MultiScaleFlow's ContextGradient channel in ONNX: central differences as a fixed 3x3 convolution, squared, summed by a
    // 1x1 convolution, + 1e-6, square-rooted, after the context. The flow repeats edge values outside the patch; a
    // zero-padded convolution differs from that only on the border, by c ⊙ Conv(ones): subtracting it gives the same.
    private static string ContextGradient(OnnxGraphBuilder g, string context, int size)
    {
        float[] diff = [0, 0, 0, -0.5f, 0, 0.5f, 0, 0, 0, /* gy */ 0, -0.5f, 0, 0, 0, 0, 0, 0.5f, 0];
        var border = new float[2 * size * size]; // Conv(ones, diff) with zero padding: ±0.5 on the first / last column (gx), row (gy)
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                border[y * size + x] = (x == 0 ? 0.5f : 0) - (x == size - 1 ? 0.5f : 0);
                border[size * size + y * size + x] = (y == 0 ? 0.5f : 0) - (y == size - 1 ? 0.5f : 0);
            }
        string zeroPadded = g.Op("Conv", [context, g.Floats("ctx_grad_w", [2, 1, 3, 3], diff)],
            IntList("kernel_shape", 3, 3), IntList("pads", 1, 1, 1, 1), IntList("strides", 1, 1));
        string grad = g.Op("Sub", [zeroPadded, g.Op("Mul", [context, g.Floats("ctx_grad_border", [1, 2, size, size], border)])]);
        string sum = g.Op("Conv", [g.Op("Mul", [grad, grad]), g.Floats("ctx_grad_sum", [1, 2, 1, 1], [1f, 1f])],
            IntList("kernel_shape", 1, 1), IntList("strides", 1, 1));
        string magnitude = g.Op("Sqrt", [g.Op("Add", [sum, g.Floats("ctx_grad_eps", [], [1e-6f])])]);
        return g.Op("Concat", [context, magnitude], Int("axis", 1));
    }

    private static string Conv(OnnxGraphBuilder g, string x, Tensor<float> wShape, float[] w, float[] b)
    {
        var s = wShape.Shape;
        int k = s[2], p = k / 2;
        return g.Op("Conv", [x, g.Floats("w", [s[0], s[1], k, k], w), g.Floats("b", [s[0]], b)],
            IntList("kernel_shape", k, k), IntList("pads", p, p, p, p), IntList("strides", 1, 1));
    }
}
