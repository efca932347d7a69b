// The density graph of a detail (conditional) flow: inputs x and context, outputs z and log_det, with the context taken
// down the levels as the sampling graph takes it (squeezed, pooled past the first level, its gradient magnitude, phase maps
// baked in at one offset). log p(x | context) from the file, run by FlowGen's runtime and by ONNX Runtime, matches the
// trainer's LogProb with the same context (and the maps at that offset); another context gives another density.
using FlowGen.Runtime;
using FlowGen.Runtime.OnnxRuntime;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;
using FlowGen.Training.Export;
using FlowGen.Training.Flows;
using Google.Protobuf;

namespace FlowGen.Training.Tests.Export;

public class ConditionalDensityTests
{
    private const int Size = 16, Pixels = Size * Size, Factor = 4, Phase = 2, N = 5;

    // 0: context squeezed at every level; 1: pooled past the first level, with its gradient; 2: that, reading phase maps.
    private static MultiScaleFlow<float> Flow(int variant)
    {
        var cfg = new FlowConfig
        {
            Arch = FlowArch.Glow, Size = Size, Levels = 2, StepsPerLevel = 2, Hidden = 16, ContextChannels = 1,
            ContextPool = variant > 0, ContextSqueezeLevels = variant > 0 ? 1 : 0, ContextGradient = variant > 0, PhaseMaps = variant == 2,
        };
        const int n = 32;
        var f = new MultiScaleFlow<float>(cfg, 19);
        return TestFlows.Initialised(f, new Tensor<float>([n, 1, Size, Size], TestFlows.Gaussian(n * Pixels, 1, 1f)),
            TrainerContext(cfg, TestFlows.Gaussian(n * Pixels, 2, 0.7f), n));
    }

    // The context as the trainer reads it: the coarse map, then (with phase maps) the maps of a window Phase past the grid.
    private static Tensor<float> TrainerContext(FlowConfig cfg, float[] context, int n)
    {
        if (!cfg.PhaseMaps) return new Tensor<float>([n, 1, Size, Size], context);
        var full = new float[n * 3 * Pixels];
        for (int s = 0; s < n; s++)
        {
            context.AsSpan(s * Pixels, Pixels).CopyTo(full.AsSpan(s * 3 * Pixels));
            PhaseMaps.Write(full.AsSpan(s * 3 * Pixels + Pixels, 2 * Pixels), Size, Factor, Phase, Phase);
        }
        return new Tensor<float>([n, 3, Size, Size], full);
    }

    private static byte[] Density(MultiScaleFlow<float> f) =>
        FlowExporter.BuildDensity(f, new Dictionary<string, string> { ["flowgen.version"] = "1" }, f.Config.PhaseMaps ? (Factor, Phase) : null).ToByteArray();

    private static double[] LogP(ReadOnlySpan<float> z, ReadOnlySpan<float> logDet) => ExportParityTests.LogProbFromGraph(z, logDet, N);

    private static double[] Trainer(MultiScaleFlow<float> f, float[] x, float[] context)
    {
        using var _ = GradMode.NoGrad();
        return f.LogProb(new Tensor<float>([N, 1, Size, Size], x), TrainerContext(f.Config, context, N)).Data.Select(v => (double)v).ToArray();
    }

    private static double[] FlowGenRuntime(byte[] graph, float[] x, float[] context)
    {
        using var m = FlowModel.Load(graph, new FlowModelOptions { MaxBatch = 8 }, "detail.density.onnx");
        var r = m.Run(new Dictionary<string, TensorData>
        {
            ["x"] = TensorData.FromFloats([N, 1, Size, Size], x), ["context"] = TensorData.FromFloats([N, 1, Size, Size], context),
        });
        return LogP(r["z"].Floats, r["log_det"].Floats);
    }

    private static void Close(double[] expected, double[] actual, string what)
    {
        for (int i = 0; i < N; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) < 1e-3 * (1 + Math.Abs(expected[i])), $"{what} sample {i}: {actual[i]}, trainer {expected[i]}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void The_density_graph_gives_the_trainers_log_density_given_the_context(int variant)
    {
        var f = Flow(variant);
        var graph = Density(f);
        var x = TestFlows.Gaussian(N * Pixels, 7, 1f);
        var context = TestFlows.Gaussian(N * Pixels, 8, 0.7f);
        var expected = Trainer(f, x, context);
        Close(expected, FlowGenRuntime(graph, x, context), $"variant {variant}, FlowGen runtime");
        // The context matters: the same patches under another context have another density, in the graph as in the trainer.
        var other = TestFlows.Gaussian(N * Pixels, 9, 0.7f);
        var moved = FlowGenRuntime(graph, x, other);
        Close(Trainer(f, x, other), moved, $"variant {variant}, another context");
        Assert.True(Enumerable.Range(0, N).Max(i => Math.Abs(moved[i] - expected[i])) > 0.1, "the context did not change the density");
    }

    [Fact]
    public void A_phase_map_model_needs_its_offset_for_a_density_graph_too()
    {
        var e = Assert.Throws<ArgumentException>(() => FlowExporter.BuildDensity(Flow(2), new Dictionary<string, string>()));
        Assert.Contains("phase maps", e.Message);
    }

    [OrtFact]
    public void OnnxRuntimeRunsTheConditionalDensityGraph()
    {
        using var dir = new TempDir();
        foreach (int variant in new[] { 0, 2 })
        {
            var f = Flow(variant);
            string path = dir.File($"detail{variant}.density.onnx");
            File.WriteAllBytes(path, Density(f));
            var x = TestFlows.Gaussian(N * Pixels, 7, 1f);
            var context = TestFlows.Gaussian(N * Pixels, 8, 0.7f);
            using var s = new OrtSession(path);
            var r = s.Run(new Dictionary<string, OrtTensor> { ["x"] = new([N, 1, Size, Size], x), ["context"] = new([N, 1, Size, Size], context) });
            Close(Trainer(f, x, context), LogP(r["z"].Data, r["log_det"].Data), $"variant {variant}, ONNX Runtime");
        }
    }
}
