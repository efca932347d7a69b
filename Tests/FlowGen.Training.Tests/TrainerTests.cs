// The training loop on the bundled DEM with a tiny model: it learns, resume continues bit-exactly,
// checkpoints are atomic and verified, the export carries the model contract, bad input is typed.
using FlowGen.Runtime;
using FlowGen.Training.Data;
using FlowGen.Training.Export;
using FlowGen.Training.Flows;

namespace FlowGen.Training.Tests;

public class TrainerTests
{
    private static TrainOptions Tiny(string outDir, int steps) => new()
    {
        Data = Fixtures.Data("jacksboro_fault_dem.npz"),
        Out = outDir,
        Model = new FlowConfig { Size = 16, Levels = 2, StepsPerLevel = 1, Hidden = 8 },
        Batch = 8, Steps = steps, InitBatch = 32, TestCount = 64, EvalEvery = 2, CheckpointEvery = 2, SampleEvery = 0,
        LearningRate = 2e-3, WarmupSteps = 2, ClipNorm = 50, EmaDecay = 0.9, Threads = 2,
    };

    [Fact]
    public void ResumeContinuesBitExactlyAndTheModelLearns()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var ra = Trainer.Create(Tiny(a.Path, 6)).Run();
        Trainer.Create(Tiny(b.Path, 3)).Run();
        var rb = Trainer.Resume(b.Path, steps: 6).Run();
        Assert.Equal(ra.TestBpd, rb.TestBpd);
        var ma = Trainer.LoadForInference(ra.CheckpointPath).Model.NamedTensors().ToList();
        var mb = Trainer.LoadForInference(rb.CheckpointPath).Model.NamedTensors().ToList();
        for (int i = 0; i < ma.Count; i++) Assert.Equal(ma[i].Value.Data, mb[i].Value.Data);
        Assert.True(ra.Evals[^1].TestBpd < ra.Evals[0].TestBpd, "held-out bits/dim did not improve");
        Assert.True(File.Exists(Path.Combine(a.Path, "samples_step6.png")));
    }

    [Fact]
    public void ExportCarriesTheModelContractAndRunsInTheRuntime()
    {
        using var d = new TempDir();
        var r = Trainer.Create(Tiny(d.Path, 2)).Run();
        string onnx = d.File("model.onnx");
        FlowExporter.Export(r.CheckpointPath, onnx, "flowgen train (test)");
        using var m = FlowModel.Load(onnx);
        var meta = m.Metadata;
        Assert.NotNull(meta);
        var bytes = File.ReadAllBytes(onnx);
        var proto = FlowGen.Runtime.Onnx.Proto.ModelProto.Parser.ParseFrom(bytes);
        var keys = proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        foreach (var k in new[] { "flowgen.version", "flowgen.kind", "flowgen.shape", "flowgen.scale", "flowgen.offset", "flowgen.default_temperature",
                     "flowgen.arch", "flowgen.train.command", "flowgen.train.data_sha256", "flowgen.train.steps", "flowgen.train.test_bpd" })
            Assert.True(keys.ContainsKey(k), k);
        Assert.Equal("heightmap", keys["flowgen.kind"]);
        Assert.Equal("1,16,16", keys["flowgen.shape"]);
        Assert.Equal("2", keys["flowgen.train.steps"]);
        Assert.Equal(1f, meta.DefaultTemperature);  // the fitted density unless an export chooses otherwise
        Assert.Equal(DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 16).MaxRelief, meta.MaxRelief!.Value, 6);
        Assert.Equal(17, proto.OpsetImport[0].Version);
        var x = new float[3 * 256];
        m.Run(new float[3 * 256], x, 3);
        Assert.All(x, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void ADetailModelTrainsResumesAndExportsAConditionalSamplingGraph()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var ra = Trainer.Create(Tiny(a.Path, 4) with { ContextFactor = 4 }).Run();
        Trainer.Create(Tiny(b.Path, 2) with { ContextFactor = 4 }).Run();
        var rb = Trainer.Resume(b.Path, steps: 4).Run();
        Assert.Equal(ra.TestBpd, rb.TestBpd);
        Assert.True(ra.Evals[^1].TestBpd < ra.Evals[0].TestBpd, "held-out bits/dim did not improve");
        string onnx = a.File("model.onnx");
        FlowExporter.Export(ra.CheckpointPath, onnx);
        using var m = FlowModel.Load(onnx);
        Assert.True(m.IsConditional);
        Assert.Equal(256, m.ContextLength);
        Assert.Equal("coarse", m.Metadata.Context);
        Assert.Equal(4, m.Metadata.ContextFactor);
        // Its density graph beside it takes the context too: log p(residual | context).
        using (var density = FlowModel.Load(a.File("model.density.onnx")))
        {
            Assert.Equal(["x", "context"], density.Inputs.Select(i => i.Name).ToArray());
            Assert.Equal(["z", "log_det"], density.Outputs.Select(o => o.Name).ToArray());
        }
        // The runtime's detail sampler takes contexts in metres and returns finite residuals in metres.
        var sampler = new FlowGen.Runtime.Streaming.FlowDetailSampler(m, 1f);
        var context = new float[3 * 256];
        for (int i = 0; i < context.Length; i++) context[i] = 300 + 5 * (i % 16);
        var residual = new float[3 * 256];
        sampler.SampleRows(residual, context, 1, 0, 3, 1, 0);
        Assert.All(residual, v => Assert.True(float.IsFinite(v)));
        Assert.Contains(residual, v => v != 0);
        Assert.Null(sampler.ContextPhase); // trained on windows at every offset from the block grid
        // Trained at one phase: recorded, and the detail sampler hands it to the world.
        using var c = new TempDir();
        var rc = Trainer.Create(Tiny(c.Path, 2) with { ContextFactor = 4, ContextPhase = 2 }).Run();
        FlowExporter.Export(rc.CheckpointPath, c.File("model.onnx"));
        using var phased = FlowModel.Load(c.File("model.onnx"));
        Assert.Equal(2, phased.Metadata.ContextPhase);
        Assert.Equal(2, new FlowGen.Runtime.Streaming.FlowDetailSampler(phased, 1f).ContextPhase);
    }

    [Fact]
    public void CorruptedCheckpointsAreTypedErrorsAndNothingIsOverwritten()
    {
        using var d = new TempDir();
        var r = Trainer.Create(Tiny(d.Path, 2)).Run();
        var good = File.ReadAllBytes(r.CheckpointPath);
        var bad = (byte[])good.Clone();
        bad[bad.Length / 2] ^= 0x40;
        File.WriteAllBytes(r.CheckpointPath, bad);
        var e = Assert.Throws<CheckpointException>(() => Trainer.Resume(d.Path, 4));
        Assert.Contains("checkpoint.fgck", e.Message);
        File.WriteAllBytes(r.CheckpointPath, good.AsSpan(0, good.Length - 100).ToArray());
        Assert.Throws<CheckpointException>(() => Checkpoint.Load(r.CheckpointPath));
        File.WriteAllBytes(r.CheckpointPath, [1, 2, 3]);
        Assert.Throws<CheckpointException>(() => FlowExporter.Export(r.CheckpointPath, d.File("m.onnx")));
        Assert.False(File.Exists(d.File("m.onnx")));
        Assert.Empty(Directory.GetFiles(d.Path, "*.tmp"));
    }

    [Fact]
    public void DivergenceStopsWithAClearMessageAndKeepsTheLastCheckpoint()
    {
        using var d = new TempDir();
        Trainer.Create(Tiny(d.Path, 2)).Run();
        var before = File.ReadAllBytes(Path.Combine(d.Path, Trainer.CheckpointFile));
        var t = Trainer.Resume(d.Path, 40);
        foreach (var p in t.Model.Parameters()) Array.Fill(p.Data, float.NaN);
        var e = Assert.Throws<TrainingDivergedException>(() => t.Run());
        Assert.Contains("last good checkpoint", e.Message);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(d.Path, Trainer.CheckpointFile)));
    }

    [Fact]
    public void TheDepressionPenaltyTrainsAndResumesBitExactly()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        using var c = new TempDir();
        var penalised = (TrainOptions o) => o with { DepressionWeight = 1, DepressionBatch = 4 };
        var ra = Trainer.Create(penalised(Tiny(a.Path, 4))).Run();
        Trainer.Create(penalised(Tiny(b.Path, 2))).Run();
        var rb = Trainer.Resume(b.Path, steps: 4).Run();
        Assert.Equal(ra.TestBpd, rb.TestBpd);
        var ma = Trainer.LoadForInference(ra.CheckpointPath).Model.NamedTensors().ToList();
        var mb = Trainer.LoadForInference(rb.CheckpointPath).Model.NamedTensors().ToList();
        for (int i = 0; i < ma.Count; i++) Assert.Equal(ma[i].Value.Data, mb[i].Value.Data);
        // It changes what is learned: the same run without it ends elsewhere.
        Assert.NotEqual(Trainer.Create(Tiny(c.Path, 4)).Run().TestBpd, ra.TestBpd);
    }

    [Fact]
    public void TheDepressionSurrogatesGradientLowersTheExpectedDepthOfFreshDraws()
    {
        // A small flow off Glow's initial identity; its draws lie metres deep in closed depressions.
        var flow = new MultiScaleFlow<float>(new FlowConfig { Size = 16, Levels = 2, StepsPerLevel = 2, Hidden = 8 }, 3);
        var rng = new Random(5);
        float[] Normals(int count) => Enumerable.Range(0, count).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();
        using (FlowGen.Training.Autodiff.GradMode.NoGrad()) flow.LogProb(new FlowGen.Training.Autodiff.Tensor<float>([64, 1, 16, 16], Normals(64 * 256))); // ActNorm's data init
        var parameters = flow.Parameters().ToList();
        foreach (var p in parameters)
            for (int i = 0; i < p.Length; i++) p.Data[i] += (float)(0.05 * (rng.NextDouble() - 0.5));
        const double sigma = 10, free = 1;
        var train = Normals(1024 * flow.Config.Dims);
        var held = Normals(1024 * flow.Config.Dims);
        double Depth() => Trainer.DepressionSurrogate(flow, held, sigma, free, double.PositiveInfinity)!.Value.Depth;

        foreach (var p in parameters) p.ZeroGrad();
        var (surrogate, depth) = Trainer.DepressionSurrogate(flow, train, sigma, free, double.PositiveInfinity)!.Value;
        Assert.True(depth > 0.5, $"draws lie {depth} m deep");
        surrogate!.Backward();
        var grads = parameters.Where(p => p.Grad is not null).Select(p => (P: p, G: p.Grad!.ToArray(), W: p.Data.ToArray())).ToList();
        double norm = Math.Sqrt(grads.Sum(e => e.G.Sum(g => (double)g * g)));
        double At(double t) // held-out draws' mean depth with the parameters moved t along the normalised gradient
        {
            foreach (var (p, g, w) in grads)
                for (int i = 0; i < p.Length; i++) p.Data[i] = (float)(w[i] + t * g[i] / norm);
            return Depth();
        }
        double before = At(0), down = At(-0.2), up = At(0.2);
        Assert.True(down < before && before < up, $"mean depth {down} / {before} / {up} m at -0.2 / 0 / +0.2 along the gradient");
    }

    [Fact]
    public void TheDepressionPenaltyIsForPlainHeightmapModelsOnly()
    {
        using var d = new TempDir();
        var penalised = (TrainOptions o) => o with { DepressionWeight = 1 };
        Assert.Contains("--depression-weight", Assert.Throws<ArgumentException>(() => Trainer.Create(penalised(Tiny(d.Path, 2)) with { ContextFactor = 4 })).Message);
        Assert.Contains("texture", Assert.Throws<ArgumentException>(() => Trainer.Create(penalised(Tiny(d.Path, 2)) with { Data = Fixtures.Data("grass.png") })).Message);
        Assert.Throws<ArgumentException>(() => Trainer.Create(Tiny(d.Path, 2) with { DepressionWeight = -1 }));
        Assert.Throws<ArgumentException>(() => Trainer.Create(penalised(Tiny(d.Path, 2)) with { DepressionBatch = 1 }));
    }

    [Fact]
    public void BadOptionsAndDataAreTypedErrors()
    {
        using var d = new TempDir();
        Assert.Throws<ArgumentException>(() => Trainer.Create(Tiny(d.Path, 2) with { Batch = 0 }));
        Assert.Throws<FlowGen.Training.Data.TrainingDataException>(() => Trainer.Create(Tiny(d.Path, 2) with { Data = d.File("none.npz") }));
        Assert.Throws<FlowGen.Training.Data.TrainingDataException>(() => Trainer.Create(Tiny(d.Path, 2) with { Model = new FlowConfig { Size = 256, Levels = 2 } }));
        Assert.Throws<FlowConfigException>(() => Trainer.Create(Tiny(d.Path, 2) with { Model = new FlowConfig { Size = 20, Levels = 3 } }));
        Assert.Contains("--context-factor", Assert.Throws<ArgumentException>(() => Trainer.Create(Tiny(d.Path, 2) with
        {
            Model = new FlowConfig { Size = 16, Levels = 2, StepsPerLevel = 1, Hidden = 8, ContextGradient = true },
        })).Message);
        Assert.Contains("--context-factor", Assert.Throws<ArgumentException>(() => Trainer.Create(Tiny(d.Path, 2) with { ContextPhase = 0 })).Message);
        Assert.Contains("--context-phase", Assert.Throws<ArgumentException>(() => Trainer.Create(Tiny(d.Path, 2) with { ContextFactor = 4, ContextPhase = 4 })).Message);
        Assert.Contains("--context-factor", Assert.Throws<ArgumentException>(() => Trainer.Create(Tiny(d.Path, 2) with { PhaseMaps = 2 })).Message);
        Assert.Contains("--phase-maps", Assert.Throws<ArgumentException>(() => Trainer.Create(Tiny(d.Path, 2) with { ContextFactor = 4, PhaseMaps = 1 })).Message);
        Assert.Contains("--phase-maps", Assert.Throws<ArgumentException>(() => Trainer.Create(Tiny(d.Path, 2) with { ContextFactor = 4, PhaseMaps = 2, ContextPhase = 2 })).Message);
    }

    [Fact]
    public void AContextGradientDetailModelTrainsAndExportsWithAOneChannelContext()
    {
        using var d = new TempDir();
        var r = Trainer.Create(Tiny(d.Path, 2) with
        {
            ContextFactor = 4, Model = new FlowConfig { Size = 16, Levels = 2, StepsPerLevel = 1, Hidden = 8, ContextGradient = true },
        }).Run();
        Assert.All(r.Evals, e => Assert.True(double.IsFinite(e.TestBpd)));
        string onnx = d.File("detail.onnx");
        FlowExporter.Export(r.CheckpointPath, onnx);
        using var m = FlowModel.Load(onnx);
        Assert.True(m.IsConditional);
        Assert.Equal([1, 16, 16], m.ContextShape);
        Assert.Contains("\"ContextGradient\":true", m.Metadata.Raw["flowgen.arch.config"]);
    }

    [Fact]
    public void APhaseMapsDetailModelTrainsAndExportsAtItsOffsetWithAOneChannelContext()
    {
        using var d = new TempDir();
        var r = Trainer.Create(Tiny(d.Path, 2) with
        {
            ContextFactor = 4, PhaseMaps = 2, SampleEvery = 2,
            Model = new FlowConfig { Size = 16, Levels = 2, StepsPerLevel = 1, Hidden = 8, ContextPool = true, ContextSqueezeLevels = 1, ContextGradient = true },
        }).Run();
        Assert.All(r.Evals, e => Assert.True(double.IsFinite(e.TestBpd)));
        Assert.NotEmpty(Directory.GetFiles(d.Path, "samples_step*.png")); // the sample grid draws with context and maps
        string onnx = d.File("detail.onnx");
        FlowExporter.Export(r.CheckpointPath, onnx);
        using (var m = FlowModel.Load(onnx))
        {
            Assert.Equal([1, 16, 16], m.ContextShape);
            Assert.Contains("\"PhaseMaps\":true", m.Metadata.Raw["flowgen.arch.config"]);
            Assert.Equal(2, m.Metadata.ContextPhase); // where worlds lay it: the offset its maps were baked at
            Assert.True(m.Metadata.ContextPhaseBaked);
            Assert.True(m.Metadata.Raw.ContainsKey(FlowExporter.DrawCorrelationKey), "the draw correlation is measured at that offset");
            var sampler = new FlowGen.Runtime.Streaming.FlowDetailSampler(m, 1f);
            Assert.Equal(2, sampler.ContextPhase);
            Assert.True(sampler.ContextPhaseBaked);
            var context = new float[2 * 256];
            for (int i = 0; i < context.Length; i++) context[i] = 300 + 5 * (i % 16);
            var residual = new float[2 * 256];
            sampler.SampleRows(residual, context, 1, 0, 2, 1, 0);
            Assert.All(residual, v => Assert.True(float.IsFinite(v)));
        }
        // Its maps are baked in at phase 2: recording another phase on the exported model is refused, the same one is not.
        var moved = Assert.Throws<FlowGenException>(() => ModelTempering.Write(onnx, d.File("moved.onnx"), null, contextPhase: 0));
        Assert.Contains("phase maps", moved.Message);
        Assert.False(File.Exists(d.File("moved.onnx")));
        ModelTempering.Write(onnx, d.File("same.onnx"), null, contextPhase: 2);
        using (var same = FlowModel.Load(d.File("same.onnx"))) Assert.Equal(2, same.Metadata.ContextPhase);
        // Its checkpoint exports at the other offset: other constants baked in, that phase recorded; 1 is not an offset
        // the draw correlation can be measured at, and a model without phase maps cannot be moved this way.
        FlowExporter.Export(r.CheckpointPath, d.File("at0.onnx"), phaseMapsAt: 0);
        using (var at0 = FlowModel.Load(d.File("at0.onnx"))) Assert.Equal(0, at0.Metadata.ContextPhase);
        Assert.NotEqual(File.ReadAllBytes(onnx), File.ReadAllBytes(d.File("at0.onnx")));
        Assert.Contains("--phase-maps", Assert.Throws<ArgumentException>(() => FlowExporter.Export(r.CheckpointPath, d.File("at1.onnx"), phaseMapsAt: 1)).Message);
        using var p = new TempDir();
        var plain = Trainer.Create(Tiny(p.Path, 2) with { ContextFactor = 4 }).Run();
        Assert.Contains("--phase-maps", Assert.Throws<ArgumentException>(() => FlowExporter.Export(plain.CheckpointPath, p.File("at0.onnx"), phaseMapsAt: 0)).Message);
        Assert.False(File.Exists(d.File("at1.onnx")) || File.Exists(p.File("at0.onnx")), "a refused export left a file");
    }
}
