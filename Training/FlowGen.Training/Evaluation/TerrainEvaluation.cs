// `flowgen eval` for heightmaps, as a library call (the CLI and the bundling step both use it):
// real training/held-out patches of a DEM with the reference split, the two baselines (full-covariance
// Gaussian, fitted fBm), the model's samples when a model is given, held-out bits/dim, the realism
// report, sample sets for the grids, and optionally the temperature sweep.
namespace FlowGen.Training.Evaluation;

public static class TerrainEvaluation
{
    public const string GaussianName = "Gaussian";
    public const string FractalNoiseName = "fBm";

    public static EvaluationResult<TerrainSummary> Run(EvaluationOptions options, IPatchModel? model = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Count, 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BitsPerDimCount, 1);
        if (!(options.PixelSizeM > 0)) throw new ArgumentOutOfRangeException(nameof(options), "pixel size must be positive");
        if (options.Sweep && model is null) throw new ArgumentException("a temperature sweep needs a model");
        log ??= _ => { };
        int patch = model?.PatchSize ?? options.PatchSize;
        var dem = DataGrid.Load(options.DataPath).BlockMeans(options.Downsample);
        var sampler = new GridPatchSampler(dem, patch);
        ulong seed = options.Seed;
        log($"data {dem.Rows}x{dem.Columns}" + (options.Downsample > 1 ? $" ({options.Downsample}x{options.Downsample} block means, as the model was trained)" : "") +
            $", train columns [0, {sampler.SplitColumn}), sigma {sampler.Sigma:F4} m");

        var trainA = sampler.Crops(GridSplit.Train, options.Count, seed);
        var trainB = sampler.Crops(GridSplit.Train, options.Count, seed + 1);
        var heldOut = sampler.Crops(GridSplit.HeldOut, options.Count, seed + 2);

        log("fitting the full-covariance Gaussian on all training windows");
        var gaussian = GaussianBaseline.FitDem(sampler);
        log("fitting fBm to the training spectrum");
        var fbm = FractalNoiseBaseline.Fit(trainA);

        var candidates = new List<PatchSource>();
        if (model is not null)
        {
            log($"sampling {options.Count} patches from {model.Name} at T = {options.Temperature}");
            candidates.Add(new PatchSource(model.Name, model.Sample(options.Count, seed + 3, options.Temperature)));
        }
        candidates.Add(new PatchSource(GaussianName, gaussian.Sample(options.Count, seed + 4).Affine(sampler.Sigma, 0)));
        candidates.Add(new PatchSource(FractalNoiseName, fbm.Sample(options.Count, seed + 5)));

        log("computing realism statistics");
        var report = RealismReport<TerrainSummary>.Compute(TerrainStatistics.All,
            p => TerrainSummary.Compute(p, options.PixelSizeM), trainA, trainB, heldOut, candidates);

        log($"held-out bits/dim on {options.BitsPerDimCount} patches");
        var bpdCrops = sampler.Crops(GridSplit.HeldOut, options.BitsPerDimCount, seed + 6);
        var bpd = new List<BitsPerDimRow>();
        if (model is not null) bpd.Add(ModelBitsPerDim(model, sampler, bpdCrops));
        double g = gaussian.BitsPerDim(sampler.ToModelUnits(bpdCrops));
        bpd.Add(new BitsPerDimRow(GaussianName, g, g + Math.Log2(sampler.Sigma), "fitted on all training windows"));
        bpd.Add(new BitsPerDimRow(FractalNoiseName, null, null, "no tractable density (samples only)"));

        TemperatureSweep? sweep = null;
        if (options.Sweep)
        {
            log("temperature sweep " + string.Join(", ", options.SweepTemperatures));
            sweep = TemperatureSweep.Run(report, t => model!.Sample(options.Count, seed + 7, t), options.SweepTemperatures, GaussianName);
        }

        var samples = new List<PatchSource> { new("train", trainA), new(RealismRows.HeldOutName, heldOut) };
        samples.AddRange(candidates);
        return new EvaluationResult<TerrainSummary>
        {
            Description = $"Data {options.DataPath}: {dem.Rows}x{dem.Columns} px" + (options.Downsample > 1 ? $" ({options.Downsample}x{options.Downsample} block means)" : "") + $" at {options.PixelSizeM} m; train = columns [0, {sampler.SplitColumn}), " +
                $"held-out = the rest; {patch}x{patch} patches, sigma = {sampler.Sigma:F4} m; {options.Count} patches per set; seed {seed}. " +
                (model is null ? "No model given: real patches and baselines only. " : $"Model: {model.Name}, T = {options.Temperature}. ") +
                $"fBm baseline: Hurst {fbm.Hurst:F3} (gain {fbm.Gain:F3}), {fbm.Octaves} octaves.",
            BitsPerDimNote = "In the reference's model units x = (crop - mean(crop) + u - 0.5) / sigma; bits per metre quantum = bits/dim + log2(sigma).",
            BitsPerQuantumLabel = "bits per metre quantum",
            PixelSizeM = options.PixelSizeM,
            ModelName = model?.Name,
            BitsPerDim = bpd,
            Realism = report,
            Samples = samples,
            Sweep = sweep,
        };
    }

    private static BitsPerDimRow ModelBitsPerDim(IPatchModel model, GridPatchSampler sampler, PatchSet crops)
    {
        if (model.NoDensityReason is { } reason)
            return model.RecordedBitsPerDim is { } recorded
                ? new BitsPerDimRow(model.Name, recorded, recorded + Math.Log2(model.Scale), $"recorded at export (flowgen.train.test_bpd), not recomputed: {reason}")
                : new BitsPerDimRow(model.Name, null, null, reason);
        // The model's own units: mean removed, divided by its scale (equal to sigma for the reference recipe).
        var x = sampler.ToModelUnits(crops, model.Scale);
        double nll = -model.LogDensity(x).Average();
        double bpd = nll / (x.PatchLength * Math.Log(2));
        return new BitsPerDimRow(model.Name, bpd, bpd + Math.Log2(model.Scale),
            Math.Abs(model.Scale / sampler.Sigma - 1) > 1e-4 ? $"model scale {model.Scale:F4} m differs from this data's sigma {sampler.Sigma:F4} m" : null);
    }
}
