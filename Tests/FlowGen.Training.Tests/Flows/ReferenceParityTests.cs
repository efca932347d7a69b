// The strongest check of the port: glow_ref.py's trained weights loaded into FlowGen's Glow reproduce
// the reference log-likelihoods of its held-out crops, and the sampling direction matches PyTorch's.
using FlowGen.Runtime.Formats;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Flows;

namespace FlowGen.Training.Tests.Flows;

public class ReferenceParityTests
{
    internal static MultiScaleFlow<float> LoadReference()
    {
        var f = new MultiScaleFlow<float>(new FlowConfig(), 0);
        TorchWeightsImport.Load(f, Fixtures.GlowRef("glow_ref_weights_f32.bin"), Fixtures.GlowRef("glow_ref_weights_index.json"));
        return f;
    }

    [Fact]
    public void TrainedReferenceWeightsReproduceReferenceLogLikelihoods()
    {
        var f = LoadReference();
        var x = NpyCodec.Read(Fixtures.GlowRef("test_x_first256.npy")).AsSpan<float>().ToArray();
        var expected = File.ReadAllLines(Fixtures.GlowRef("logp_ref_test_first256.txt")).Select(double.Parse).ToArray();
        using var _ = GradMode.NoGrad();
        var lp = f.LogProb(new Tensor<float>([256, 1, 32, 32], x));
        double worst = 0;
        for (int i = 0; i < 256; i++) worst = Math.Max(worst, Math.Abs(lp.Data[i] - expected[i]));
        Assert.True(worst < 2e-3, $"max |log p - ref| = {worst}");
        double meanAbs = Enumerable.Range(0, 256).Average(i => Math.Abs(lp.Data[i] - expected[i]));
        Assert.True(meanAbs < 5e-4, $"mean |log p - ref| = {meanAbs}");
    }

    [Fact]
    public void SamplingDirectionMatchesPyTorch()
    {
        var f = LoadReference();
        var z = NpyCodec.Read(Fixtures.GlowRef("z_ref_16x1024.npy")).AsSpan<float>().ToArray();
        var xr = NpyCodec.Read(Fixtures.GlowRef("x_ref_16x1x32x32.npy")).AsSpan<float>().ToArray();
        var x = f.Decode(new Tensor<float>([16, 1024], z));
        double worst = 0;
        for (int i = 0; i < xr.Length; i++) worst = Math.Max(worst, Math.Abs(x.Data[i] - xr[i]));
        Assert.True(worst < 1e-4, $"max |x - x_torch| = {worst}");
    }

    [Fact]
    public void MismatchedWeightsAreTypedErrors()
    {
        var f = new MultiScaleFlow<float>(new FlowConfig { Hidden = 32 }, 0);
        var e = Assert.Throws<FlowGen.Runtime.FlowGenException>(() =>
            TorchWeightsImport.Load(f, Fixtures.GlowRef("glow_ref_weights_f32.bin"), Fixtures.GlowRef("glow_ref_weights_index.json")));
        Assert.Contains("shape", e.Message);
    }
}
