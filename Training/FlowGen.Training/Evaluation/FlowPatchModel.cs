// A FlowGen model file under evaluation: sampling through the runtime's FlowModel, density through the
// optional density graph x -> (z, log_det) that the trainer exports next to it
// (`<name>.density.onnx`): log p(x) = sum log N(z_i; 0, 1) + log_det. With level temperatures, each level's
// latents are drawn at their own temperatures (FlowModel.SetLevelTemperatures: what `flowgen export --level-temperatures` bakes in).
using FlowGen.Runtime;

namespace FlowGen.Training.Evaluation;

public sealed class FlowPatchModel : IPatchModel, IDisposable
{
    private const int Batch = 64;
    private readonly FlowModel _sampler;
    private readonly FlowModel? _density;

    private FlowPatchModel(FlowModel sampler, FlowModel? density, string? noDensityReason, IReadOnlyList<double>? levelTemperatures)
    {
        _sampler = sampler;
        _density = density;
        NoDensityReason = noDensityReason;
        Name = "generated (" + Path.GetFileNameWithoutExtension(sampler.Source) + ")";
        if (levelTemperatures is not null)
            Name += $" levels {string.Join("/", levelTemperatures.Select(t => t.ToString("0.0##", System.Globalization.CultureInfo.InvariantCulture)))}";
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
    /// (default: <see cref="DensityPathFor"/>) exists; both run on <paramref name="backend"/>.
    /// </summary>
    public static FlowPatchModel Load(string path, string? densityPath = null, IReadOnlyList<double>? levelTemperatures = null, FlowBackend backend = FlowBackend.Cpu) =>
        Load(LoadSampler(path, backend), path, densityPath, levelTemperatures, backend);

    /// <summary>The sampling graph at <paramref name="path"/> as evaluation runs it (what <see cref="Load(FlowModel, string, string?, IReadOnlyList{double}?, FlowBackend)"/> takes).</summary>
    public static FlowModel LoadSampler(string path, FlowBackend backend = FlowBackend.Cpu) =>
        FlowModel.Load(path, new FlowModelOptions { MaxBatch = Batch, Backend = backend });

    /// <summary><see cref="Load(string, string?, IReadOnlyList{double}?, FlowBackend)"/> of a sampling graph already loaded from
    /// <paramref name="path"/> (by <see cref="LoadSampler"/>); takes ownership of it, disposing it when refused.</summary>
    public static FlowPatchModel Load(FlowModel sampler, string path, string? densityPath = null, IReadOnlyList<double>? levelTemperatures = null, FlowBackend backend = FlowBackend.Cpu)
    {
        try
        {
            var shape = sampler.SampleShape;
            if (sampler.IsConditional)
                throw new EvaluationException("this is a detail model (it has a context input); eval measures models that draw whole patches on their own", path);
            if (!sampler.CanSample || shape.Count < 2 || shape[^1] != shape[^2] || shape.Count > 2 && shape[^3] != 1)
                throw new EvaluationException($"evaluation needs a sampling graph of single-channel square patches; this model's sample shape is [{string.Join(",", shape)}]", path);
            if (levelTemperatures is not null)
            {
                try
                {
                    sampler.SetLevelTemperatures(levelTemperatures.Select(t => (float)t).ToArray());
                }
                catch (ArgumentException e)
                {
                    throw new EvaluationException(e.Message); // names the model already
                }
            }
            densityPath ??= DensityPathFor(path);
            if (!File.Exists(densityPath))
                return new FlowPatchModel(sampler, null, $"no density graph ({Path.GetFileName(densityPath)} not found)", levelTemperatures);
            var density = FlowModel.Load(densityPath, new FlowModelOptions { MaxBatch = Batch, Backend = backend });
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
        _sampler.Sample(data, seed, 0, count, temperature, SampleUnits.Physical);
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
