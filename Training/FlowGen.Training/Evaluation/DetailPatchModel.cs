// Patches of a detail model given real coarse terrain: for sample i, a training-split window of the DEM (drawn from the
// seed, at the model's recorded offset from the block grid, else at any offset, turned and flipped as in training), whose
// own upsampled block means are the context; the model draws the residual, and the patch is context + residual in metres
// with its mean removed, as the real crops are. This measures what a detail model adds to true coarse terrain, apart from
// how real the coarse world under it is (`flowgen eval DETAIL --data DEM`; `--world` measures the two together). Redraws
// a residual whose inverse gave a non-finite value, as worlds do. No tractable density: the conditional density needs
// the context (the trainer reports conditional bits/dim).
using FlowGen.Runtime;
using FlowGen.Training.Data;

namespace FlowGen.Training.Evaluation;

public sealed class DetailPatchModel : IPatchModel
{
    private readonly FlowModel _detail;
    private readonly PatchDataset _data;

    /// <summary>Samples <paramref name="detail"/> (a detail model: a context input and <c>flowgen.context.factor</c>) on the
    /// contexts of <paramref name="dataPath"/>'s training split (its <paramref name="downsample"/>² block means for a detail model
    /// of a coarse level, trained with --downsample). Does not own the model.</summary>
    public DetailPatchModel(FlowModel detail, string dataPath, int downsample = 1)
    {
        ArgumentNullException.ThrowIfNull(detail);
        if (!detail.IsConditional || detail.Metadata.ContextFactor is not { } factor)
            throw new EvaluationException("not a detail model: it needs a context input and flowgen.context.factor", detail.Source);
        _detail = detail;
        PatchSize = detail.SampleShape[^1];
        _data = DatasetLoader.Load(dataPath, PatchSize, contextFactor: factor, contextPhase: detail.Metadata.ContextPhase, downsample: downsample);
        Name = $"{Path.GetFileNameWithoutExtension(detail.Source)} on real contexts";
    }

    public string Name { get; }
    public int PatchSize { get; }
    public double Scale => _detail.Metadata.Scale;
    public double Offset => 0;
    public double? RecordedBitsPerDim => null; // the recorded value is conditional bits/dim, not comparable with the table's
    public string? NoDensityReason => "a detail model's density is conditional on its context (the trainer reports conditional bits/dim)";

    public double[] LogDensity(PatchSet modelUnits) => throw new InvalidOperationException(NoDensityReason);

    public PatchSet Sample(int count, ulong seed, float temperature)
    {
        int p = PatchSize, pixels = p * p;
        var residual = new float[(long)count * pixels];
        var context = new float[(long)count * pixels];
        // The contexts: the dataset's in its sigma, converted to the model's units (the same when it was trained on this DEM).
        _data.TrainBatch(new Rng(seed ^ 0xC0_4E_7E_57UL), count, new float[(long)count * _data.SampleSize], context);
        float toModel = (float)(_data.Sigma / Scale);
        for (int i = 0; i < context.Length; i++) context[i] *= toModel;
        _detail.SamplePlausible(residual, seed, 0, count, temperature, context);
        for (int k = 0; k < count; k++)
        {
            var o = residual.AsSpan(k * pixels, pixels);
            var c = context.AsSpan(k * pixels, pixels);
            double mean = 0;
            for (int i = 0; i < pixels; i++) mean += o[i] = (float)((o[i] + c[i]) * Scale);
            float m = (float)(mean / pixels);
            for (int i = 0; i < pixels; i++) o[i] -= m;
        }
        return new PatchSet(residual, count, p, p);
    }
}
