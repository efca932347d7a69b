// A FlowGen model file under evaluation: sampling through the runtime's FlowModel, density through the
// optional density graph x -> (z, log_det) that the trainer exports next to it
// (`<name>.density.onnx`): log p(x) = sum log N(z_i; 0, 1) + log_det. With level temperatures, each level's
// latents are scaled apart before the sampling graph runs (what `flowgen export --level-temperatures` bakes in).
using FlowGen.Runtime;
using FlowGen.Training.Flows;

namespace FlowGen.Training.Evaluation;

public sealed class FlowPatchModel : IPatchModel, IDisposable
{
    private const int Batch = 64;
    private readonly FlowModel _sampler;
    private readonly FlowModel? _density;
    private readonly float[]? _latentScale;

    private FlowPatchModel(FlowModel sampler, FlowModel? density, string? noDensityReason, IReadOnlyList<double>? levelTemperatures)
    {
        _sampler = sampler;
        _density = density;
        NoDensityReason = noDensityReason;
        Name = "generated (" + Path.GetFileNameWithoutExtension(sampler.Source) + ")";
        if (levelTemperatures is null) return;
        _latentScale = LatentScale(sampler, levelTemperatures);
        Name += $" levels {string.Join("/", levelTemperatures.Select(t => t.ToString("0.0##", System.Globalization.CultureInfo.InvariantCulture)))}";
    }

    /// <summary>Per-element latent multipliers: level l's temperature over z_l's span of the latent layout.</summary>
    private static float[] LatentScale(FlowModel sampler, IReadOnlyList<double> levelTemperatures)
    {
        if (!sampler.Metadata.Raw.TryGetValue("flowgen.arch.config", out var json))
            throw new EvaluationException("level temperatures need the model's latent layout (metadata flowgen.arch.config), which this model lacks", sampler.Source);
        FlowConfig config;
        try
        {
            config = System.Text.Json.JsonSerializer.Deserialize<FlowConfig>(json, Trainer.Json) ?? throw new System.Text.Json.JsonException("null");
            config.Validate();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FlowConfigException)
        {
            throw new EvaluationException($"metadata flowgen.arch.config is not a flow configuration ({e.Message})", sampler.Source);
        }
        if (config.Dims != sampler.SampleLength)
            throw new EvaluationException($"metadata flowgen.arch.config describes {config.Dims} latents, the graph takes {sampler.SampleLength}", sampler.Source);
        try
        {
            Export.FlowExporter.CheckLevelTemperatures(config, levelTemperatures);
        }
        catch (ArgumentException e)
        {
            throw new EvaluationException(e.Message, sampler.Source);
        }
        var scale = new float[config.Dims];
        int at = 0;
        var shapes = config.LatentShapes();
        for (int l = 0; l < shapes.Count; l++)
        {
            int n = shapes[l].C * shapes[l].H * shapes[l].W;
            scale.AsSpan(at, n).Fill((float)levelTemperatures[l]);
            at += n;
        }
        return scale;
    }

    public string Name { get; }
    public int PatchSize => _sampler.SampleShape[^1];
    public double Scale => _sampler.Metadata.Scale;
    public double Offset => _sampler.Metadata.Offset;
    public ModelMetadata Metadata => _sampler.Metadata;

    /// <summary>The sampling graph (for worlds built on this model).</summary>
    public FlowModel Sampler => _sampler;
    public string? NoDensityReason { get; }
    public double? RecordedBitsPerDim => _sampler.Metadata.TrainTestBitsPerDim;

    /// <summary>Density graph path for a model path: `model.onnx` -> `model.density.onnx`.</summary>
    public static string DensityPathFor(string modelPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(modelPath))!, Path.GetFileNameWithoutExtension(modelPath) + ".density.onnx");

    /// <summary>
    /// Loads a single-channel square sampling model, and its density graph when <paramref name="densityPath"/>
    /// (default: <see cref="DensityPathFor"/>) exists.
    /// </summary>
    public static FlowPatchModel Load(string path, string? densityPath = null, IReadOnlyList<double>? levelTemperatures = null)
    {
        var sampler = FlowModel.Load(path, new FlowModelOptions { MaxBatch = Batch });
        try
        {
            var shape = sampler.SampleShape;
            if (sampler.IsConditional)
                throw new EvaluationException("this is a detail model (it has a context input); eval measures models that draw whole patches on their own", path);
            if (!sampler.CanSample || shape.Count < 2 || shape[^1] != shape[^2] || shape.Count > 2 && shape[^3] != 1)
                throw new EvaluationException($"evaluation needs a sampling graph of single-channel square patches; this model's sample shape is [{string.Join(",", shape)}]", path);
            densityPath ??= DensityPathFor(path);
            if (!File.Exists(densityPath)) return new FlowPatchModel(sampler, null, $"no density graph ({Path.GetFileName(densityPath)} not found)", levelTemperatures);
            var density = FlowModel.Load(densityPath, new FlowModelOptions { MaxBatch = Batch });
            if (!density.Inputs.Any(i => i.Name == "x") || !density.Outputs.Any(o => o.Name == "z") || !density.Outputs.Any(o => o.Name == "log_det"))
            {
                density.Dispose();
                throw new EvaluationException("a density graph needs input `x` and outputs `z`, `log_det`", densityPath);
            }
            return new FlowPatchModel(sampler, density, null, levelTemperatures);
        }
        catch
        {
            sampler.Dispose();
            throw;
        }
    }

    public PatchSet Sample(int count, ulong seed, float temperature)
    {
        var data = new float[(long)count * PatchSize * PatchSize];
        if (_latentScale is null)
        {
            _sampler.Sample(data, seed, 0, count, temperature, SampleUnits.Physical);
            return new PatchSet(data, count, PatchSize, PatchSize);
        }
        int d = _latentScale.Length;
        var z = new float[Batch * d];
        for (int first = 0; first < count; first += Batch)
        {
            int n = Math.Min(Batch, count - first);
            for (int i = 0; i < n; i++)
            {
                var zi = z.AsSpan(i * d, d);
                LatentGenerator.Fill(zi, seed, first + i, temperature);
                for (int k = 0; k < d; k++) zi[k] *= _latentScale[k];
            }
            _sampler.Run(z.AsSpan(0, n * d), data.AsSpan(first * d, n * d), n);
        }
        float scale = (float)Scale, offset = (float)Offset;
        for (int i = 0; i < data.Length; i++) data[i] = data[i] * scale + offset;
        return new PatchSet(data, count, PatchSize, PatchSize);
    }

    public double[] LogDensity(PatchSet modelUnits)
    {
        if (_density is null) throw new InvalidOperationException(NoDensityReason);
        int p = modelUnits.PatchLength;
        var output = new double[modelUnits.Count];
        for (int first = 0; first < modelUnits.Count; first += Batch)
        {
            int n = Math.Min(Batch, modelUnits.Count - first);
            var x = modelUnits.Data.Slice(first * p, n * p).ToArray();
            var result = _density.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([n, 1, modelUnits.Height, modelUnits.Width], x) });
            var z = result["z"].Floats;
            var logDet = result["log_det"].Floats;
            int zPer = z.Length / n;
            for (int i = 0; i < n; i++)
            {
                double sq = 0;
                for (int k = 0; k < zPer; k++) sq += (double)z[i * zPer + k] * z[i * zPer + k];
                output[first + i] = -0.5 * sq - 0.5 * zPer * Math.Log(2 * Math.PI) + logDet[i];
            }
        }
        return output;
    }

    public void Dispose()
    {
        _sampler.Dispose();
        _density?.Dispose();
    }
}
