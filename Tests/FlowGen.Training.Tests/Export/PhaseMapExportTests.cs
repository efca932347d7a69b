// A detail flow that reads phase maps (FlowConfig.PhaseMaps) exported at one offset from the block grid: the graph takes
// the one-channel context alone, the maps' share of each coupling's first convolution baked in as a constant, and samples
// as the trainer decodes with the context and the maps at that offset (FlowGen's runtime and ONNX Runtime alike); the maps
// matter; a graph without an offset, or a context without its maps, is refused.
using FlowGen.Runtime;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;
using FlowGen.Training.Export;
using FlowGen.Training.Flows;
using Google.Protobuf;

namespace FlowGen.Training.Tests.Export;

public class PhaseMapExportTests
{
    private const int Size = 16, Pixels = Size * Size, Factor = 4;

    private static MultiScaleFlow<float> Flow(bool gradient)
    {
        var f = new MultiScaleFlow<float>(new FlowConfig
        {
            Arch = FlowArch.Glow, Size = Size, Levels = 2, StepsPerLevel = 2, Hidden = 16, ContextChannels = 1, ContextPool = true,
            ContextSqueezeLevels = 1, ContextGradient = gradient, PhaseMaps = true,
        }, 17);
        const int n = 32;
        var context = new float[n * 3 * Pixels];
        for (int s = 0; s < n; s++) WithMaps(context.AsSpan(s * 3 * Pixels, 3 * Pixels), Gaussian(Pixels, (ulong)(40 + s), 0.7f), s % 4);
        return TestFlows.Initialised(f, new Tensor<float>([n, 1, Size, Size], Gaussian(n * Pixels, 1, 1f)), new Tensor<float>([n, 3, Size, Size], context));
    }

    private static float[] Gaussian(int n, ulong seed, float sigma) => TestFlows.Gaussian(n, seed, sigma);

    // One sample's three-channel context: the coarse map, then the phase maps of a window `phase` past the grid both ways.
    private static void WithMaps(Span<float> dst, ReadOnlySpan<float> context, int phase)
    {
        context.CopyTo(dst);
        PhaseMaps.Write(dst[Pixels..], Size, Factor, phase, phase);
    }

    private static byte[] Export(MultiScaleFlow<float> f, int phase) =>
        FlowExporter.BuildSampling(f, new Dictionary<string, string> { ["flowgen.version"] = "1" }, phaseMapsAt: (Factor, phase)).ToByteArray();

    private static float[] Decode(MultiScaleFlow<float> f, float[] z, float[] context, int n, int phase)
    {
        var full = new float[n * 3 * Pixels];
        for (int s = 0; s < n; s++) WithMaps(full.AsSpan(s * 3 * Pixels, 3 * Pixels), context.AsSpan(s * Pixels, Pixels), phase);
        return f.Decode(new Tensor<float>([n, Pixels], z), new Tensor<float>([n, 3, Size, Size], full)).Data;
    }

    private static double Worst(float[] a, float[] b) => a.Zip(b, (u, v) => (double)Math.Abs(u - v)).Max();

    [Theory]
    [InlineData(false, 2)]
    [InlineData(true, 2)]
    [InlineData(true, 0)]
    public void The_graph_at_an_offset_samples_as_the_trainer_decodes_with_the_maps_there(bool gradient, int phase)
    {
        var f = Flow(gradient);
        using var m = FlowModel.Load(Export(f, phase), new FlowModelOptions { MaxBatch = 8, Threads = 2 }, "phase-maps.onnx");
        Assert.Equal([1, Size, Size], m.ContextShape); // the maps are inside the graph
        const int n = 6;
        const ulong seed = 5;
        var context = Gaussian(n * Pixels, 8, 0.7f);
        var x = new float[n * Pixels];
        m.Sample(x, seed, 0, n, 1f, context);
        var z = new float[n * Pixels];
        for (int i = 0; i < n; i++) LatentGenerator.Fill(z.AsSpan(i * Pixels, Pixels), seed, i, 1f);
        double worst = Worst(Decode(f, z, context, n, phase), x);
        Assert.True(worst < 1e-4, $"max |FlowModel - trainer Decode| = {worst}");
        // The maps matter: the same latents and context with the maps at the other offset give other terrain.
        double moved = Worst(Decode(f, z, context, n, 2 - phase), x);
        Assert.True(moved > 1e-2, $"the maps at another offset moved the samples by only {moved}");
    }

    [OrtFact]
    public void OnnxRuntimeRunsThePhaseBakedGraphAsFlowGenDoes()
    {
        var f = Flow(gradient: true);
        const int n = 4;
        var z = Gaussian(n * Pixels, 9, 1f);
        var context = Gaussian(n * Pixels, 10, 0.7f);
        using var dir = new TempDir();
        string path = dir.File("phase-maps.onnx");
        File.WriteAllBytes(path, Export(f, 2));
        var (mine, theirs) = TestFlows.SampleConditionalBoth(path, n, Size, z, context);
        double worst = Worst(theirs, mine);
        Assert.True(worst < 1e-4, $"max |FlowGen - ONNX Runtime| = {worst}");
        Assert.True(Worst(Decode(f, z, context, n, 2), theirs) < 1e-4);
    }

    [Fact]
    public void A_graph_needs_its_offset_and_the_flow_its_maps()
    {
        var f = Flow(gradient: false);
        Assert.Contains("phase maps", Assert.Throws<ArgumentException>(() => FlowExporter.BuildSampling(f, new Dictionary<string, string>())).Message);
        var e = Assert.Throws<ArgumentException>(() => f.Decode(new Tensor<float>([2, Pixels], new float[2 * Pixels]), new Tensor<float>([2, 1, Size, Size], new float[2 * Pixels])));
        Assert.Contains("phase maps", e.Message);
        Assert.Throws<FlowConfigException>(() => new FlowConfig { PhaseMaps = true }.Validate());
    }
}
