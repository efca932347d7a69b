// Per-level latent temperatures baked into the sampling graph: the graph with temperatures (t_0, …, t_{L-1}) on z
// equals the trainer's Decode of z with each level's span scaled by its t_l, in FlowGen's runtime and in ONNX Runtime;
// the latent spans follow the squeeze-and-split layout; bad lists are refused.
using FlowGen.Runtime;
using FlowGen.Runtime.OnnxRuntime;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;
using FlowGen.Training.Export;
using FlowGen.Training.Flows;
using Google.Protobuf;

namespace FlowGen.Training.Tests.Export;

public class LevelTemperatureTests
{
    private static readonly double[] Temperatures = [0.8, 1.25];

    private static MultiScaleFlow<float> Flow()
    {
        var f = new MultiScaleFlow<float>(new FlowConfig { Size = 16, Levels = 2, StepsPerLevel = 2, Hidden = 16 }, 5);
        var rng = new Rng(3);
        var x = new float[32 * 256];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
        using (GradMode.NoGrad()) f.LogProb(new Tensor<float>([32, 1, 16, 16], x));
        foreach (var p in f.Parameters())
            for (int i = 0; i < p.Length; i++) p.Data[i] += (float)(0.1 * rng.NextGaussian());
        return f;
    }

    // 16x16, two levels: z_0 = 2x8x8 (the first 128 latents), z_1 = 8x4x4 (the last 128).
    private static (string Path, float[] Z, float[] Expected) Case(TempDir dir)
    {
        var f = Flow();
        string path = dir.File("tempered.onnx");
        File.WriteAllBytes(path, FlowExporter.BuildSampling(f, new Dictionary<string, string>(), Temperatures).ToByteArray());
        const int n = 4, d = 256;
        var rng = new Rng(8);
        var z = new float[n * d];
        for (int i = 0; i < z.Length; i++) z[i] = (float)rng.NextGaussian();
        var scaled = new float[z.Length];
        for (int i = 0; i < z.Length; i++) scaled[i] = z[i] * (float)(i % d < 128 ? Temperatures[0] : Temperatures[1]);
        using var _ = GradMode.NoGrad();
        return (path, z, f.Decode(new Tensor<float>([n, d], scaled)).Data);
    }

    private static void OrtMatches(string path, float[] z, float[] expected, string what)
    {
        using var s = new OrtSession(path);
        var o = new float[expected.Length];
        s.Run("z", z, [4, 1, 16, 16], "x", o);
        Close(expected, o, what);
    }

    // Metadata that records the flow's configuration (what runtime level temperatures read the layout from).
    private static Dictionary<string, string> WithLayout(MultiScaleFlow<float> f) =>
        new() { ["flowgen.version"] = "1", ["flowgen.arch.config"] = System.Text.Json.JsonSerializer.Serialize(f.Config, Trainer.Json) };

    private static void Close(float[] expected, ReadOnlySpan<float> actual, string what)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst < 1e-4, $"{what}: max |diff| = {worst}");
    }

    [Fact]
    public void FlowGenRuntimeScalesEachLevelsLatents()
    {
        using var dir = new TempDir();
        var (path, z, expected) = Case(dir);
        using var m = FlowModel.Load(path);
        var o = new float[expected.Length];
        m.Run(z, o, 4);
        Close(expected, o, "FlowGen runtime, level temperatures 0.8/1.25");
        // And it is not the untempered flow: the scaling changes the output.
        using var plain = FlowModel.Load(FlowExporter.BuildSampling(Flow(), new Dictionary<string, string>()).ToByteArray());
        var u = new float[expected.Length];
        plain.Run(z, u, 4);
        Assert.True(expected.Zip(u).Max(p => Math.Abs(p.First - p.Second)) > 1e-2, "level temperatures left the samples unchanged");
    }

    [OrtFact]
    public void OnnxRuntimeScalesEachLevelsLatents()
    {
        using var dir = new TempDir();
        var (path, z, expected) = Case(dir);
        OrtMatches(path, z, expected, "ONNX Runtime, level temperatures 0.8/1.25");
    }

    [Fact]
    public void EvaluationsLevelTemperaturesDrawWhatTheTemperedGraphDraws()
    {
        // `flowgen eval --level-temperatures` scales the latents before the plain graph; `flowgen export --level-temperatures`
        // bakes the same scaling into the graph. Same seed, same temperature: the same patches.
        using var dir = new TempDir();
        var f = Flow();
        var meta = WithLayout(f);
        meta["flowgen.kind"] = "heightmap";
        meta["flowgen.scale"] = "80";
        meta["flowgen.offset"] = "0";
        string plain = dir.File("plain.onnx"), tempered = dir.File("tempered.onnx");
        File.WriteAllBytes(plain, FlowExporter.BuildSampling(f, meta).ToByteArray());
        File.WriteAllBytes(tempered, FlowExporter.BuildSampling(f, meta, Temperatures).ToByteArray());
        using var viaEval = FlowGen.Training.Evaluation.FlowPatchModel.Load(plain, levelTemperatures: Temperatures);
        using var viaGraph = FlowGen.Training.Evaluation.FlowPatchModel.Load(tempered);
        using var untempered = FlowGen.Training.Evaluation.FlowPatchModel.Load(plain);
        var a = viaEval.Sample(70, 42, 0.9f).Data.ToArray();
        var b = viaGraph.Sample(70, 42, 0.9f).Data.ToArray();
        var c = untempered.Sample(70, 42, 0.9f).Data.ToArray();
        Assert.True(a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) < 80 * 1e-4, "eval's level temperatures differ from the tempered graph's");
        Assert.True(a.Zip(c).Max(p => Math.Abs(p.First - p.Second)) > 80 * 1e-2, "eval's level temperatures changed nothing");
        Assert.Contains("levels 0.8/1.25", viaEval.Name);
        var e = Assert.Throws<FlowGen.Training.Evaluation.EvaluationException>(() => FlowGen.Training.Evaluation.FlowPatchModel.Load(plain, levelTemperatures: [1.0, 1, 1]));
        Assert.Contains("plain.onnx", e.Message);
    }

    [Fact]
    public void RuntimeLevelTemperaturesDrawBitwiseWhatTheBakedGraphDraws()
    {
        // FlowModel.SetLevelTemperatures on the plain graph = the graph with the temperatures baked in, bit for bit, on one
        // thread and on batch-parallel lanes; an empty list goes back to the plain samples.
        var f = Flow();
        var meta = WithLayout(f);
        byte[] plain = FlowExporter.BuildSampling(f, meta).ToByteArray(), baked = FlowExporter.BuildSampling(f, meta, Temperatures).ToByteArray();
        const int n = 24, d = 256;
        float[] Draw(byte[] model, int threads, float[]? levels)
        {
            using var m = FlowModel.Load(model, new FlowModelOptions { MaxBatch = 16, Threads = threads }, "m.onnx");
            if (levels is not null) m.SetLevelTemperatures(levels);
            var o = new float[n * d];
            m.Sample(o, 7, 3, n, 0.9f);
            return o;
        }
        float[] levels = [0.8f, 1.25f];
        var expected = Draw(baked, 1, null);
        Assert.Equal(expected, Draw(plain, 1, levels));
        Assert.Equal(expected, Draw(plain, 2, levels));
        Assert.Equal(Draw(plain, 1, null), Draw(plain, 2, []));
        Assert.NotEqual(expected, Draw(plain, 1, null));

        using var model = FlowModel.Load(plain, null, "m.onnx");
        Assert.Equal([128, 128], model.Metadata.LatentLevelLengths!);
        model.SetLevelTemperatures(levels);
        Assert.Equal(levels, model.LevelTemperatures);
        Assert.Contains("2 latent levels", Assert.Throws<ArgumentException>(() => model.SetLevelTemperatures([1f, 1f, 1f])).Message);
        Assert.Contains("finite and positive", Assert.Throws<ArgumentException>(() => model.SetLevelTemperatures([1f, float.NaN])).Message);
        Assert.Equal(levels, model.LevelTemperatures); // a refused list changes nothing
        using var bare = FlowModel.Load(FlowExporter.BuildSampling(f, new Dictionary<string, string>()).ToByteArray(), null, "bare.onnx");
        Assert.Null(bare.Metadata.LatentLevelLengths);
        Assert.Contains("latent layout", Assert.Throws<FlowGenException>(() => bare.SetLevelTemperatures(levels)).Message);
    }

    [OrtFact]
    public void OnnxRuntimeRunsAModelTemperedAfterExport()
    {
        // ModelTempering (`flowgen export MODEL.onnx OUT --level-temperatures`) puts one Mul by a [1,C,H,W] constant in front
        // of the graph: ONNX Runtime draws what the trainer's Decode gives for the per-level scaled latents.
        using var dir = new TempDir();
        var f = Flow();
        var meta = WithLayout(f);
        var (_, z, expected) = Case(dir);
        string plain = dir.File("plain.onnx"), tempered = dir.File("tempered-after-export.onnx");
        File.WriteAllBytes(plain, FlowExporter.BuildSampling(f, meta).ToByteArray());
        ModelTempering.Write(plain, tempered, Temperatures);
        OrtMatches(tempered, z, expected, "ONNX Runtime, model tempered after export");
    }

    [Fact]
    public void LatentShapesFollowTheSqueezeAndSplit()
    {
        Assert.Equal([(2, 16, 16), (4, 8, 8), (16, 4, 4)], new FlowConfig { Size = 32, Levels = 3 }.LatentShapes());
        Assert.Equal([(6, 8, 8), (24, 4, 4)], new FlowConfig { InChannels = 3, Size = 16, Levels = 2 }.LatentShapes());
        Assert.Equal([(4, 8, 8)], new FlowConfig { Size = 16, Levels = 1 }.LatentShapes());
    }

    [Theory]
    [InlineData(new[] { 1.0 }, "2 levels")]
    [InlineData(new[] { 1.0, 1.0, 1.0 }, "2 levels")]
    [InlineData(new[] { 1.0, 0.0 }, "finite and positive")]
    [InlineData(new[] { double.NaN, 1.0 }, "finite and positive")]
    public void BadListsAreRefused(double[] temperatures, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => FlowExporter.BuildSampling(Flow(), new Dictionary<string, string>(), temperatures));
        Assert.Contains(message, e.Message);
    }
}
