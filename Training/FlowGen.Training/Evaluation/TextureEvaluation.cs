// `flowgen eval` for 8-bit grayscale textures: the same split as terrain (left 80 % of columns train,
// the rest held out), patches dequantised as (v + u) / 256 in 0..1 intensity, the full-covariance
// Gaussian (exact over all training windows, mean kept: a texture's brightness is data) and fBm
// (fitted slope and contrast, around the training mean) as baselines, texture realism statistics,
// and bits/dim per 8-bit level (the usual image convention).
namespace FlowGen.Training.Evaluation;

public static class TextureEvaluation
{
    public static EvaluationResult<TextureSummary> Run(EvaluationOptions options, IPatchModel? model = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Count, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BitsPerDimCount, 1);
        if (options.Sweep && model is null) throw new ArgumentException("a temperature sweep needs a model");
        log ??= _ => { };
        int patch = model?.PatchSize ?? options.PatchSize;
        var grid = DataGrid.Load(options.DataPath);
        foreach (float v in grid.Values)
            if (v < 0 || v > 255 || v != MathF.Round(v))
                throw new EvaluationException($"expected an 8-bit texture (integer levels 0..255), found the value {v}", options.DataPath);
        var sampler = new GridPatchSampler(grid, patch);
        ulong seed = options.Seed;
        log($"texture {grid.Rows}x{grid.Columns}, train columns [0, {sampler.SplitColumn})");

        // Crops are levels + u - 0.5; intensity = (level + u) / 256.
        PatchSet Intensity(PatchSet levels) => levels.Affine(1.0 / 256, 0.5 / 256);
        var trainA = Intensity(sampler.Crops(GridSplit.Train, options.Count, seed));
        var trainB = Intensity(sampler.Crops(GridSplit.Train, options.Count, seed + 1));
        var heldOut = Intensity(sampler.Crops(GridSplit.HeldOut, options.Count, seed + 2));

        log("fitting the full-covariance Gaussian on all training windows");
        var gaussian = GaussianBaseline.FitWindows(sampler, removeMean: false, scale: 1.0);
        log("fitting fBm to the training spectrum");
        var fbm = FractalNoiseBaseline.Fit(trainA);
        double trainMean = Mean(trainA);

        var candidates = new List<PatchSource>();
        if (model is not null)
        {
            log($"sampling {options.Count} patches from {model.Name} at T = {options.Temperature}");
            candidates.Add(new PatchSource(model.Name, model.Sample(options.Count, seed + 3, options.Temperature)));
        }
        candidates.Add(new PatchSource(TerrainEvaluation.GaussianName, Intensity(gaussian.Sample(options.Count, seed + 4))));
        candidates.Add(new PatchSource(TerrainEvaluation.FractalNoiseName, fbm.Sample(options.Count, seed + 5).Affine(1, trainMean)));

        log("computing realism statistics");
        var report = RealismReport<TextureSummary>.Compute(TextureStatistics.All, TextureSummary.Compute, trainA, trainB, heldOut, candidates);

        log($"held-out bits/dim on {options.BitsPerDimCount} patches");
        var levels = sampler.Crops(GridSplit.HeldOut, options.BitsPerDimCount, seed + 6);
        var bpd = new List<BitsPerDimRow>();
        if (model is not null) bpd.Add(ModelBitsPerDim(model, Intensity(levels)));
        double g = gaussian.BitsPerDim(levels);   // levels are the 8-bit quantum: already bits per level
        bpd.Add(new BitsPerDimRow(TerrainEvaluation.GaussianName, g - 8, g, "fitted on all training windows"));
        bpd.Add(new BitsPerDimRow(TerrainEvaluation.FractalNoiseName, null, null, "no tractable density (samples only)"));

        TemperatureSweep? sweep = null;
        if (options.Sweep)
        {
            log("temperature sweep " + string.Join(", ", options.SweepTemperatures));
            sweep = TemperatureSweep.Run(report, t => model!.Sample(options.Count, seed + 7, t), options.SweepTemperatures, TerrainEvaluation.GaussianName);
        }

        var samples = new List<PatchSource> { new("train", trainA), new(RealismRows.HeldOutName, heldOut) };
        samples.AddRange(candidates);
        return new EvaluationResult<TextureSummary>
        {
            Description = $"Texture {options.DataPath}: {grid.Rows}x{grid.Columns} px, 8-bit; train = columns [0, {sampler.SplitColumn}), held-out = the rest; " +
                $"{patch}x{patch} patches, intensity (level + u) / 256; {options.Count} patches per set; seed {seed}. " +
                (model is null ? "No model given: real patches and baselines only. " : $"Model: {model.Name}, T = {options.Temperature}. ") +
                $"fBm baseline: Hurst {fbm.Hurst:F3} (gain {fbm.Gain:F3}), {fbm.Octaves} octaves, around the training mean {trainMean:F3}.",
            BitsPerDimNote = "bits/dim in 0..1 intensity units; bits per 8-bit level = bits/dim + 8 (the usual image bits/dim).",
            BitsPerQuantumLabel = "bits per 8-bit level",
            PixelSizeM = null,
            ModelName = model?.Name,
            BitsPerDim = bpd,
            Realism = report,
            Samples = samples,
            Sweep = sweep,
        };
    }

    private static BitsPerDimRow ModelBitsPerDim(IPatchModel model, PatchSet intensity)
    {
        if (model.NoDensityReason is { } reason)
            return model.RecordedBitsPerDim is { } recorded
                ? new BitsPerDimRow(model.Name, recorded, null, $"recorded at export in the model's units (flowgen.train.test_bpd), not recomputed: {reason}")
                : new BitsPerDimRow(model.Name, null, null, reason);
        // Model units x_m = (intensity - offset) / scale: log p(intensity) = log p_m(x_m) - D log(scale).
        var x = intensity.Affine(1 / model.Scale, -model.Offset / model.Scale);
        double nll = -model.LogDensity(x).Average() + x.PatchLength * Math.Log(model.Scale);
        double bpd = nll / (x.PatchLength * Math.Log(2));
        return new BitsPerDimRow(model.Name, bpd, bpd + 8, null);
    }

    private static double Mean(PatchSet s)
    {
        double sum = 0;
        foreach (float v in s.Data) sum += v;
        return sum / s.Data.Length;
    }
}
