// Parity of the exported sampling graph: the trainer's Decode, FlowGen's runtime running the ONNX file
// and real ONNX Runtime agree to 1e-4 (max abs, model units) for every architecture.
using FlowGen.Runtime.OnnxRuntime;
using FlowGen.Runtime;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;
using FlowGen.Training.Export;
using FlowGen.Training.Flows;
using FlowGen.Training.Tests.Flows;
using Google.Protobuf;

namespace FlowGen.Training.Tests.Export;

/// <summary>A fact that skips, naming the reason, when ONNX Runtime's library is absent.</summary>
public sealed class OrtFactAttribute : FactAttribute
{
    public OrtFactAttribute()
    {
        if (!OrtSession.IsAvailable) Skip = $"ONNX Runtime absent (set FLOWGEN_ORT_LIB): {OrtSession.UnavailableReason}";
    }
}

/// <summary>A theory that skips, naming the reason, when ONNX Runtime's library is absent.</summary>
public sealed class OrtTheoryAttribute : TheoryAttribute
{
    public OrtTheoryAttribute()
    {
        if (!OrtSession.IsAvailable) Skip = $"ONNX Runtime absent (set FLOWGEN_ORT_LIB): {OrtSession.UnavailableReason}";
    }
}

public class ExportParityTests
{
    // Every parameter is perturbed, so a global pool's and a split prior's zero-initialised convs take part too.
    private static MultiScaleFlow<float> Small(FlowArch arch, bool globalPool = false, bool splitPrior = false, int coarsestSteps = 0)
    {
        var f = new MultiScaleFlow<float>(new FlowConfig { Arch = arch, Size = 16, Levels = 2, StepsPerLevel = 2, Hidden = 16, Bins = 5, TailBound = 3, GlobalPool = globalPool, SplitPrior = splitPrior, CoarsestSteps = coarsestSteps }, 11);
        var rng = new Rng(2);
        var x = new float[32 * 256];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
        using (GradMode.NoGrad()) f.LogProb(new Tensor<float>([32, 1, 16, 16], x)); // ActNorm init
        foreach (var p in f.Parameters())
            for (int i = 0; i < p.Length; i++) p.Data[i] += (float)(0.1 * rng.NextGaussian());
        return f;
    }

    private static (string Path, float[] Z, float[] X) Exported(MultiScaleFlow<float> f, TempDir dir, int n = 5)
    {
        string path = dir.File("model.onnx");
        File.WriteAllBytes(path, FlowExporter.BuildSampling(f, new Dictionary<string, string> { ["flowgen.version"] = "1" }).ToByteArray());
        var rng = new Rng(9);
        int d = f.Config.Dims;
        var z = new float[n * d];
        for (int i = 0; i < z.Length; i++) z[i] = (float)(rng.NextGaussian() * 1.2);
        z[3] = 4.5f; // beyond the spline tail bound
        var x = f.Decode(new Tensor<float>([n, d], z)).Data;
        return (path, z, x);
    }

    private static void Close(float[] expected, ReadOnlySpan<float> actual, string what)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst < 1e-4, $"{what}: max |diff| = {worst}");
    }

    [Theory]
    [InlineData(FlowArch.Glow, false)]
    [InlineData(FlowArch.RealNvp, false)]
    [InlineData(FlowArch.Nsf, false)]
    [InlineData(FlowArch.Glow, true)]
    [InlineData(FlowArch.Nsf, true)]
    [InlineData(FlowArch.Glow, false, true)]
    [InlineData(FlowArch.Nsf, false, true)]
    [InlineData(FlowArch.Glow, false, false, 5)]
    public void FlowGenRuntimeMatchesTrainer(FlowArch arch, bool globalPool, bool splitPrior = false, int coarsestSteps = 0)
    {
        using var dir = new TempDir();
        var f = Small(arch, globalPool, splitPrior, coarsestSteps);
        var (path, z, x) = Exported(f, dir);
        using var m = FlowModel.Load(path);
        Assert.Equal(new[] { 1, 16, 16 }, m.SampleShape);
        var o = new float[x.Length];
        m.Run(z, o, 5);
        Close(x, o, $"{arch} FlowGen runtime");
    }

    [Fact]
    public void ReferenceGlowExportMatchesPyTorchSamples()
    {
        using var dir = new TempDir();
        var f = ReferenceParityTests.LoadReference();
        string path = dir.File("glow.onnx");
        File.WriteAllBytes(path, FlowExporter.BuildSampling(f, new Dictionary<string, string>()).ToByteArray());
        var z = FlowGen.Runtime.Formats.NpyCodec.Read(Fixtures.GlowRef("z_ref_16x1024.npy")).AsSpan<float>().ToArray();
        var xr = FlowGen.Runtime.Formats.NpyCodec.Read(Fixtures.GlowRef("x_ref_16x1x32x32.npy")).AsSpan<float>().ToArray();
        using var m = FlowModel.Load(path);
        var o = new float[xr.Length];
        m.Run(z, o, 16);
        Close(xr, o, "exported reference glow vs PyTorch");
    }

    [OrtFact]
    public void OnnxRuntimeMatchesTrainerForEveryArchitecture()
    {
        foreach (var (arch, globalPool, splitPrior, coarsestSteps) in new[]
                 {
                     (FlowArch.Glow, false, false, 0), (FlowArch.RealNvp, false, false, 0), (FlowArch.Nsf, false, false, 0), (FlowArch.Glow, true, false, 0),
                     (FlowArch.Nsf, true, false, 0), (FlowArch.Glow, false, true, 0), (FlowArch.Glow, false, false, 5),
                 })
        {
            using var dir = new TempDir();
            var f = Small(arch, globalPool, splitPrior, coarsestSteps);
            var (path, z, x) = Exported(f, dir);
            using var s = new OrtSession(path);
            var o = new float[x.Length];
            s.Run("z", z, [5, 1, 16, 16], "x", o);
            Close(x, o, $"{arch}{(globalPool ? " with a global pool" : "")}{(splitPrior ? " with split priors" : "")}{(coarsestSteps > 0 ? $" with {coarsestSteps} coarsest steps" : "")} ONNX Runtime");
        }
    }

    [OrtTheory]
    [InlineData("terrain-detail")]
    [InlineData("terrain-detail-fast")]
    public void OnnxRuntimeRunsTheBundledDetailModelAsFlowGenDoes(string name)
    {
        // models/terrain-detail[-fast].onnx: two inputs (z, context), the context squeezed at the first level and pooled
        // (Reshape + ReduceMean) below it. Real ONNX Runtime and FlowGen's runtime agree on the same latents and contexts.
        string path = Path.Combine(Fixtures.RepoRoot, "models", name + ".onnx");
        const int n = 4, d = 32 * 32;
        var rng = new Rng(17);
        var z = new float[n * d];
        var context = new float[n * d];
        for (int i = 0; i < z.Length; i++) z[i] = (float)rng.NextGaussian();
        for (int i = 0; i < n; i++) // smooth contexts, as upsampled coarse terrain is
            for (int v = 0; v < 32; v++)
                for (int u = 0; u < 32; u++) context[i * d + v * 32 + u] = (float)(0.8 * Math.Sin(0.2 * u + i) + 0.5 * Math.Cos(0.15 * v - i));
        using var m = FlowModel.Load(path);
        var mine = m.Run(new Dictionary<string, TensorData>
        {
            ["z"] = TensorData.FromFloats([n, 1, 32, 32], z), ["context"] = TensorData.FromFloats([n, 1, 32, 32], context),
        })["x"].Floats;
        using var s = new OrtSession(path);
        var theirs = s.Run(new Dictionary<string, OrtTensor>
        {
            ["z"] = new([n, 1, 32, 32], z), ["context"] = new([n, 1, 32, 32], context),
        })["x"].Data;
        Close(theirs, mine, $"bundled {name}: FlowGen vs ONNX Runtime");
        Assert.True(mine.Max() - mine.Min() > 0.1, "the residual has relief");
    }

    // The density graph: log p(x) = Σ log N(z) + log_det from the ONNX file, against the trainer's LogProb.
    internal static double[] LogProbFromGraph(ReadOnlySpan<float> z, ReadOnlySpan<float> logDet, int n)
    {
        int d = z.Length / n;
        var lp = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sq = 0;
            for (int k = 0; k < d; k++) sq += (double)z[i * d + k] * z[i * d + k];
            lp[i] = -0.5 * sq - 0.5 * d * Math.Log(2 * Math.PI) + logDet[i];
        }
        return lp;
    }

    private static (string Path, float[] X, double[] LogP) DensityExported(MultiScaleFlow<float> f, TempDir dir, int n = 6)
    {
        string path = dir.File("model.density.onnx");
        File.WriteAllBytes(path, FlowExporter.BuildDensity(f, new Dictionary<string, string> { ["flowgen.version"] = "1" }).ToByteArray());
        var rng = new Rng(21);
        int s = f.Config.Size;
        var x = new float[n * s * s];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
        x[5] = 5f; // large enough to reach a spline's linear tails
        using var _ = GradMode.NoGrad();
        var lp = f.LogProb(new Tensor<float>([n, 1, s, s], x)).Data.Select(v => (double)v).ToArray();
        return (path, x, lp);
    }

    [Theory]
    [InlineData(FlowArch.Glow, false)]
    [InlineData(FlowArch.RealNvp, false)]
    [InlineData(FlowArch.Glow, true)]
    [InlineData(FlowArch.Glow, false, true)]
    [InlineData(FlowArch.Glow, false, false, 5)]
    [InlineData(FlowArch.Nsf, false)]
    [InlineData(FlowArch.Nsf, true)]
    [InlineData(FlowArch.Nsf, false, true)]
    public void DensityGraphMatchesTrainerLogProb(FlowArch arch, bool globalPool, bool splitPrior = false, int coarsestSteps = 0)
    {
        using var dir = new TempDir();
        var f = Small(arch, globalPool, splitPrior, coarsestSteps);
        var (path, x, expected) = DensityExported(f, dir);
        using var m = FlowModel.Load(path);
        var r = m.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([6, 1, 16, 16], x) });
        var lp = LogProbFromGraph(r["z"].Floats, r["log_det"].Floats, 6);
        for (int i = 0; i < 6; i++) Assert.True(Math.Abs(lp[i] - expected[i]) < 1e-3 * (1 + Math.Abs(expected[i])), $"{arch} sample {i}: graph {lp[i]}, trainer {expected[i]}");
    }

    [Fact]
    public void SplineDensityReachesTheLinearTails()
    {
        // A pixel far outside the tail bound (B = 3 in model units) lands on the linear tails of the couplings that transform
        // it, where the graph must give it no spline derivative (and no NaN from evaluating the spline there), as the trainer does.
        using var dir = new TempDir();
        var f = Small(FlowArch.Nsf);
        var (path, x, expected) = DensityExported(f, dir);
        using var m = FlowModel.Load(path);
        foreach (float v in new[] { 5f, 9f, -7f })
        {
            x[5] = v;
            double trainer;
            using (GradMode.NoGrad()) trainer = f.LogProb(new Tensor<float>([6, 1, 16, 16], x)).Data[0];
            var r = m.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([6, 1, 16, 16], x) });
            double graph = LogProbFromGraph(r["z"].Floats, r["log_det"].Floats, 6)[0];
            Assert.True(double.IsFinite(graph) && Math.Abs(graph - trainer) < 1e-3 * (1 + Math.Abs(trainer)), $"x = {v}: graph {graph}, trainer {trainer}");
        }
        Assert.True(expected.All(double.IsFinite));
    }

    [Fact]
    public void ReferenceGlowDensityGraphReproducesPyTorchLogLikelihoods()
    {
        using var dir = new TempDir();
        var f = ReferenceParityTests.LoadReference();
        string path = dir.File("glow.density.onnx");
        File.WriteAllBytes(path, FlowExporter.BuildDensity(f, new Dictionary<string, string>()).ToByteArray());
        var x = FlowGen.Runtime.Formats.NpyCodec.Read(Fixtures.GlowRef("test_x_first256.npy")).AsSpan<float>().ToArray();
        var expected = File.ReadAllLines(Fixtures.GlowRef("logp_ref_test_first256.txt")).Select(double.Parse).ToArray();
        using var m = FlowModel.Load(path, new FlowModelOptions { MaxBatch = 256 });
        var r = m.Run(new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([256, 1, 32, 32], x) });
        var lp = LogProbFromGraph(r["z"].Floats, r["log_det"].Floats, 256);
        double worst = Enumerable.Range(0, 256).Max(i => Math.Abs(lp[i] - expected[i]));
        Assert.True(worst < 2e-3, $"max |log p - PyTorch| = {worst} nats");
    }

    [OrtFact]
    public void OnnxRuntimeRunsTheDensityGraph()
    {
        foreach (bool globalPool in new[] { false, true })
            OnnxRuntimeRunsTheDensityGraphOf(Small(FlowArch.Glow, globalPool));
        OnnxRuntimeRunsTheDensityGraphOf(Small(FlowArch.Glow, splitPrior: true));
        OnnxRuntimeRunsTheDensityGraphOf(Small(FlowArch.Nsf));
        OnnxRuntimeRunsTheDensityGraphOf(Small(FlowArch.Nsf, globalPool: true));
    }

    private static void OnnxRuntimeRunsTheDensityGraphOf(MultiScaleFlow<float> f)
    {
        using var dir = new TempDir();
        var (path, x, expected) = DensityExported(f, dir);
        using var s = new OrtSession(path);
        var r = s.Run(new Dictionary<string, OrtTensor> { ["x"] = new OrtTensor([6, 1, 16, 16], x) });
        var lp = LogProbFromGraph(r["z"].Data, r["log_det"].Data, 6);
        for (int i = 0; i < 6; i++) Assert.True(Math.Abs(lp[i] - expected[i]) < 1e-3 * (1 + Math.Abs(expected[i])), $"sample {i}: ORT {lp[i]}, trainer {expected[i]}");
    }
}
