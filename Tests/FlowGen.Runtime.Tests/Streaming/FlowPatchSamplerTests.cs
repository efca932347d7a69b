// FlowPatchSampler on the reference Glow, whose inverse overflows on rare latents at T = 1: such patches are
// redrawn (same seed and index, half the temperature), so worlds never see NaN, deterministically.
namespace FlowGen.Runtime.Tests.Streaming;

public class FlowPatchSamplerTests
{
    private static string Fixture() => FlowGen.Runtime.Tests.Sampling.GlowReferenceTests.Fixture("glow_ref_sample.onnx");

    [Fact]
    public void Non_finite_patches_are_redrawn_at_a_lower_temperature()
    {
        using var model = FlowModel.Load(Fixture(), new FlowModelOptions { MaxBatch = 64 });
        const long shift = 1L << 62;
        const int n = 8192, p = 1024;
        var all = new float[n * p];
        for (int i = 0; i < n; i += 64) model.Sample(all.AsSpan(i * p, 64 * p), 0, shift + i, 64, 1f, SampleUnits.Physical);
        var bad = Enumerable.Range(0, n).Where(i => all.AsSpan(i * p, p).ToArray().Any(v => !float.IsFinite(v))).ToArray();
        Assert.NotEmpty(bad); // the fixture overflows on a few of these latents (deterministic)

        var sampler = new FlowGen.Runtime.Streaming.FlowPatchSampler(model, 1f);
        foreach (int i in bad)
        {
            var patch = new float[p];
            sampler.Sample(patch, 0, i, 1);
            Assert.All(patch, v => Assert.True(float.IsFinite(v)));
            var half = new float[p];
            model.Sample(half, 0, shift + i, 1, 0.5f, SampleUnits.Physical);
            Assert.Equal(half, patch);
        }
        // Finite patches are untouched, batched or not.
        var row = new float[64 * p];
        sampler.Sample(row, 0, 0, 64);
        Assert.Equal(all.AsSpan(0, 64 * p).ToArray().Select((v, k) => bad.Contains(k / p) ? 0 : v), row.Select((v, k) => bad.Contains(k / p) ? 0 : v));
    }
}
