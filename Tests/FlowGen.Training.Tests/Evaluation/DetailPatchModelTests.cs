// A detail model measured on its own (`flowgen eval DETAIL --data DEM`): its patches are the DEM's real contexts plus the
// residuals it draws, in metres with their means removed, so they carry the real crops' relief; the same seed gives the
// same patches, the seed and the temperature matter; a model without a context input is refused.
using FlowGen.Runtime;
using FlowGen.Training.Data;
using FlowGen.Training.Evaluation;

namespace FlowGen.Training.Tests.Evaluation;

public class DetailPatchModelTests
{
    private static double Rms(ReadOnlySpan<float> v)
    {
        double s = 0;
        foreach (float x in v) s += (double)x * x;
        return Math.Sqrt(s / v.Length);
    }

    [Fact]
    public void Patches_are_real_contexts_plus_drawn_residuals_in_metres()
    {
        using var detail = FlowModel.Load(RepoFiles.Path("models", "terrain-detail-fast.onnx"), new FlowModelOptions { MaxBatch = 64 });
        var m = new DetailPatchModel(detail, RepoFiles.Dem);
        Assert.Equal(32, m.PatchSize);
        Assert.Null(m.RecordedBitsPerDim); // conditional bits/dim are not comparable with a patch model's
        const int n = 64;
        var a = m.Sample(n, 3, 1f);
        Assert.Equal(a.Data.ToArray(), m.Sample(n, 3, 1f).Data.ToArray());
        Assert.NotEqual(a.Data.ToArray(), m.Sample(n, 4, 1f).Data.ToArray());
        Assert.NotEqual(a.Data.ToArray(), m.Sample(n, 3, 0.5f).Data.ToArray());
        for (int k = 0; k < n; k++)
            Assert.InRange(a.Data.Slice(k * 1024, 1024).ToArray().Average(), -1e-2, 1e-2);
        // The relief is the real crops' (the context carries most of it; a residual alone, or model units, would not be).
        var real = DatasetLoader.Load(RepoFiles.Dem, 32);
        var x = new float[n * 1024];
        real.TrainBatch(new Rng(5), n, x);
        double realRms = Rms(x) * real.Sigma, rms = Rms(a.Data);
        Assert.InRange(rms / realRms, 0.6, 1.6);
    }

    [Fact]
    public void A_model_without_a_context_is_refused()
    {
        using var coarse = FlowModel.Load(RepoFiles.Path("models", "terrain-coarse-fast.onnx"));
        Assert.Throws<EvaluationException>(() => new DetailPatchModel(coarse, RepoFiles.Dem));
    }
}
