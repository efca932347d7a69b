// Patches of a multi-scale world under evaluation: what a user of `flowgen world` or the streaming API actually
// gets, rather than the flow's own patches. Sample(count, seed, T) builds the world of that seed (the model's
// PyramidWorld, or with a detail model ConditionalPyramidWorld.Create, both models at T), fills a square region and
// cuts it into non-overlapping crops of the finest model's patch size,
// each with its mean removed as the real crops are. A world has no tractable patch density.
using FlowGen.Runtime;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Training.Evaluation;

public sealed class WorldPatchModel : IPatchModel
{
    private readonly FlowModel _coarse;
    private readonly FlowModel? _detail;
    private readonly int _levels;
    private readonly double _gain;
    private readonly int? _overlap;

    /// <summary>Crops of the world of <paramref name="coarse"/> (and <paramref name="detail"/>; null = the self-affine
    /// PyramidWorld) with <paramref name="levels"/> levels and the finest lattice's <paramref name="overlap"/> (null: the world's default).
    /// Does not own the models.</summary>
    public WorldPatchModel(FlowModel coarse, FlowModel? detail, int levels = PyramidWorld.DefaultLevels, double gain = PyramidWorld.DefaultGain, int? overlap = null)
    {
        ArgumentNullException.ThrowIfNull(coarse);
        _coarse = coarse;
        _detail = detail;
        _levels = levels;
        _gain = gain;
        _overlap = overlap;
        var probe = new FlowPatchSampler(coarse, 1f); // throws, naming the file, for models worlds cannot use
        PatchSize = detail is null ? probe.PatchSize : new FlowDetailSampler(detail, 1f).PatchSize;
        PixelSizeMetres = detail?.Metadata.PixelSizeMetres ?? probe.PixelSizeMetres;
        Name = $"world ({Path.GetFileNameWithoutExtension(coarse.Source)}" + (detail is null ? "" : $" + {Path.GetFileNameWithoutExtension(detail.Source)}") + $", {levels} levels)";
    }

    public string Name { get; }
    public int PatchSize { get; }

    /// <summary>The world's pixel (the detail model's when there is one).</summary>
    public double PixelSizeMetres { get; }
    public double Scale => _coarse.Metadata.Scale;
    public double Offset => 0;
    public double? RecordedBitsPerDim => null;
    public string? NoDensityReason => "a world's patches are blended from overlapping flow samples: no tractable density";

    public double[] LogDensity(PatchSet modelUnits) => throw new InvalidOperationException(NoDensityReason);

    public PatchSet Sample(int count, ulong seed, float temperature)
    {
        IWorldSource world = _detail is null
            ? new PyramidWorld(new FlowPatchSampler(_coarse, temperature), seed, _levels, _gain, overlap: _overlap)
            : ConditionalPyramidWorld.Create(new FlowPatchSampler(_coarse, temperature), new FlowDetailSampler(_detail, temperature), seed, _levels, _gain, _overlap);
        int p = PatchSize, side = (int)Math.Ceiling(Math.Sqrt(count)), n = side * p;
        var map = new float[(long)n * n];
        world.Fill(0, 0, n, n, 0, map, CancellationToken.None);
        var data = new float[(long)count * p * p];
        for (int k = 0; k < count; k++)
        {
            int r0 = k / side * p, c0 = k % side * p;
            var o = data.AsSpan(k * p * p, p * p);
            double mean = 0;
            for (int i = 0; i < p; i++)
                for (int j = 0; j < p; j++) mean += o[i * p + j] = map[(long)(r0 + i) * n + c0 + j];
            float m = (float)(mean / (p * p));
            for (int i = 0; i < o.Length; i++) o[i] -= m;
        }
        return new PatchSet(data, count, p, p);
    }
}
