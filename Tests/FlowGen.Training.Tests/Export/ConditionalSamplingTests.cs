// A small conditional Glow (one context channel) exported with FlowExporter and sampled by FlowModel: samples
// match the trainer's Decode(z·T, context); sample i with context c_i is bitwise the same for 1, 2 and 4 threads
// and any batch split or grid; SamplePlausible redraws with each sample's own context; wrong usage throws; a call
// after warm-up allocates nothing.
using System.Globalization;
using FlowGen.Runtime;
using FlowGen.Runtime.Tests;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;
using FlowGen.Training.Export;
using FlowGen.Training.Flows;
using Google.Protobuf;

namespace FlowGen.Training.Tests.Export;

public class ConditionalSamplingTests
{
    private const int Size = 16, Pixels = Size * Size;

    private static readonly MultiScaleFlow<float> Flow = SmallConditional(pool: false);

    private static MultiScaleFlow<float> SmallConditional(bool pool, int squeezeLevels = 0, bool gradient = false)
    {
        var f = new MultiScaleFlow<float>(new FlowConfig
        {
            Arch = FlowArch.Glow, Size = Size, Levels = 2, StepsPerLevel = 2, Hidden = 16, ContextChannels = 1, ContextPool = pool, ContextSqueezeLevels = squeezeLevels,
            ContextGradient = gradient,
        }, 13);
        return TestFlows.Initialised(f, new Tensor<float>([32, 1, Size, Size], Gaussian(32 * Pixels, 1, 1f)), new Tensor<float>([32, 1, Size, Size], Contexts(32)));
    }

    private static float[] Gaussian(int n, ulong seed, float sigma) => TestFlows.Gaussian(n, seed, sigma);

    /// <summary>Distinct context rows for <paramref name="count"/> samples (model units, like a coarse terrain).</summary>
    private static float[] Contexts(int count) => Gaussian(count * Pixels, 5, 0.7f);

    private static FlowModel Load(int threads, int maxBatch = 16, Dictionary<string, string>? metadata = null, MultiScaleFlow<float>? flow = null) =>
        FlowModel.Load(FlowExporter.BuildSampling(flow ?? Flow, metadata ?? new Dictionary<string, string> { ["flowgen.version"] = "1" }).ToByteArray(),
            new FlowModelOptions { MaxBatch = maxBatch, Threads = threads }, "conditional-glow.onnx");

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_pooled_context_flow_samples_as_the_trainer_decodes_at_a_fraction_of_the_context_cost(int squeezeLevels)
    {
        // ContextPool: the levels past the first squeezeLevels read the context 2x2 average-pooled instead of squeezed (4^l channels).
        var pooled = SmallConditional(pool: true, squeezeLevels);
        using var m = Load(2, flow: pooled);
        using var squeezed = Load(2);
        long pooledFlops = FlowGen.Runtime.Graph.PlanStatistics.Flops(m.Plan, 1), squeezedFlops = FlowGen.Runtime.Graph.PlanStatistics.Flops(squeezed.Plan, 1);
        Assert.True(pooledFlops < squeezedFlops, $"{pooledFlops} vs {squeezedFlops}");
        const int n = 9;
        var context = Contexts(n);
        var (x, _) = SampleAsTrainerDecodes(m, pooled, 8, 0, n, 1f, context);
        var other = new float[n * Pixels];
        m.Sample(other, 8, 0, n, 1f, Gaussian(n * Pixels, 6, 0.7f));
        Assert.NotEqual(Bits(x), Bits(other));
    }

    // Samples first .. first+n-1 of seed with their contexts and checks them against the trainer's Decode of the same
    // latents (1e-4, model units); returns the samples and the latents.
    private static (float[] X, float[] Z) SampleAsTrainerDecodes(FlowModel m, MultiScaleFlow<float> flow, ulong seed, int first, int n, float temperature, float[] context)
    {
        var x = new float[n * Pixels];
        m.Sample(x, seed, first, n, temperature, context);
        var z = new float[n * Pixels];
        for (int i = 0; i < n; i++) LatentGenerator.Fill(z.AsSpan(i * Pixels, Pixels), seed, first + i, temperature);
        var expected = flow.Decode(new Tensor<float>([n, Pixels], z), new Tensor<float>([n, 1, Size, Size], context)).Data;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - x[i]));
        Assert.True(worst < 1e-4, $"max |FlowModel - trainer Decode| = {worst}");
        return (x, z);
    }

    private static int[] Bits(float[] v) => v.Select(BitConverter.SingleToInt32Bits).ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_context_gradient_flow_samples_as_the_trainer_decodes_and_inverts_exactly(bool pool)
    {
        // ContextGradient: the networks read |∇context| as one more channel, computed in the graph from the one-channel
        // context input (fixed convolutions, Sqrt). FlowModel = trainer Decode; Encode inverts Decode; the gradient matters.
        var f = SmallConditional(pool, pool ? 1 : 0, gradient: true);
        using var m = Load(2, flow: f);
        Assert.Equal([1, Size, Size], m.ContextShape);
        const int n = 6;
        var context = Contexts(n);
        var (expected, z) = SampleAsTrainerDecodes(m, f, 4, 0, n, 0.9f, context);
        using (GradMode.NoGrad())
        {
            var (back, _) = f.Encode(new Tensor<float>([n, 1, Size, Size], expected), new Tensor<float>([n, 1, Size, Size], context));
            double err = 0;
            for (int i = 0; i < z.Length; i++) err = Math.Max(err, Math.Abs(back.Data[i] - z[i]));
            Assert.True(err < 1e-3, $"Encode(Decode(z)) - z = {err}");
        }
        // The gradient channel costs a few FLOPs a sample more than the plain conditional flow, and needs one context channel.
        using var plain = Load(2, flow: SmallConditional(pool, pool ? 1 : 0));
        Assert.Equal(m.Plan.Inputs.Count, plain.Plan.Inputs.Count);
        Assert.True(FlowGen.Runtime.Graph.PlanStatistics.Flops(m.Plan, 1) > FlowGen.Runtime.Graph.PlanStatistics.Flops(plain.Plan, 1));
        Assert.Throws<FlowConfigException>(() => new FlowConfig { ContextGradient = true }.Validate());
    }

    [OrtFact]
    public void OnnxRuntimeRunsAContextGradientFlowAsFlowGenDoes()
    {
        var f = SmallConditional(pool: true, squeezeLevels: 1, gradient: true);
        const int n = 4;
        var context = Contexts(n);
        var z = Gaussian(n * Pixels, 9, 1f);
        using var dir = new TempDir();
        string path = dir.File("ctx-gradient.onnx");
        File.WriteAllBytes(path, FlowExporter.BuildSampling(f, new Dictionary<string, string> { ["flowgen.version"] = "1" }).ToByteArray());
        var (mine, theirs) = TestFlows.SampleConditionalBoth(path, n, Size, z, context);
        double worst = 0;
        for (int i = 0; i < theirs.Length; i++) worst = Math.Max(worst, Math.Abs(theirs[i] - mine[i]));
        Assert.True(worst < 1e-4, $"max |FlowGen - ONNX Runtime| = {worst}");
    }

    [Fact]
    public void TheDrawCorrelationOfAModelWhoseDrawsBlowUpIsMeasuredOnRedrawnDraws()
    {
        // Latents scaled far past training make some inverses overflow; worlds redraw those, and so does the measurement
        // (one inf made the recorded correlation NaN, and the exported model unloadable).
        var proto = FlowExporter.BuildSampling(Flow, new Dictionary<string, string>
        {
            ["flowgen.version"] = "1", ["flowgen.context"] = "coarse", ["flowgen.context.factor"] = "4",
        }, [60, 60]);
        var data = DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), Size, contextFactor: 4);
        using (var m = FlowModel.Load(proto.ToByteArray(), new FlowModelOptions { MaxBatch = 64 }, "blows-up.onnx"))
        {
            var (_, n, positions) = data.TestSet(64, 11);
            var x = new float[n * Pixels];
            m.Sample(x, 1, 0, n, 1f, data.ContextsAt(positions));
            Assert.Contains(x, v => !float.IsFinite(v)); // the premise
        }
        double rho = FlowExporter.DrawCorrelation(proto, data);
        Assert.InRange(rho, 0, 0.95);
    }

    [Fact]
    public void SamplesMatchTheTrainersDecodeWithContext()
    {
        const int n = 12;
        const float temperature = 0.8f;
        var meta = new Dictionary<string, string> { ["flowgen.context"] = "coarse", ["flowgen.context.factor"] = "4" };
        using var m = Load(1, metadata: meta);
        Assert.True(m.IsConditional);
        Assert.Equal([1, Size, Size], m.ContextShape);
        Assert.Equal(Pixels, m.ContextLength);
        Assert.Equal(("coarse", 4), (m.Metadata.Context, m.Metadata.ContextFactor));
        var context = Contexts(n);
        var (x, _) = SampleAsTrainerDecodes(m, Flow, 21, 3, n, temperature, context);
        // The context matters: the same latents with another context give other terrain.
        var other = new float[n * Pixels];
        m.Sample(other, 21, 3, n, temperature, Gaussian(n * Pixels, 6, 0.7f));
        Assert.NotEqual(Bits(x), Bits(other));
    }

    [Fact]
    public void SamplesAreBitwiseTheSameForAnyThreadsAndBatchSplit()
    {
        const int n = 16;
        const ulong seed = 4;
        var context = Contexts(n);
        float[] reference;
        using (var serial = Load(1))
        {
            reference = new float[n * Pixels];
            serial.Sample(reference, seed, 0, n, 1f, context);
        }
        // A lattice of 4 rows of 4 indices, row r at r·2³², against per-row calls on one thread.
        var grid = new SampleIndices(7, 4, Rows: 4, RowStride: 1L << 32);
        var gridReference = new float[n * Pixels];
        using (var serial = Load(1))
            for (int r = 0; r < 4; r++)
                serial.Sample(gridReference.AsSpan(r * 4 * Pixels, 4 * Pixels), seed, SampleIndices.Run(7 + r * (1L << 32), 4), 1f, context.AsSpan(r * 4 * Pixels, 4 * Pixels));

        foreach (int threads in new[] { 1, 2, 4 })
        {
            using var m = Load(threads);
            var whole = new float[n * Pixels];
            m.Sample(whole, seed, 0, n, 1f, context);
            Assert.True(Bits(reference).SequenceEqual(Bits(whole)), $"{threads} threads, one call of 16");

            var split = new float[n * Pixels];
            for (int first = 0; first < n; first += 4)
                m.Sample(split.AsSpan(first * Pixels, 4 * Pixels), seed, first, 4, 1f, context.AsSpan(first * Pixels, 4 * Pixels));
            Assert.True(Bits(reference).SequenceEqual(Bits(split)), $"{threads} threads, four calls of 4");

            // 3 samples take the serial path (fewer than the lanes), 13 the lanes.
            var uneven = new float[n * Pixels];
            m.Sample(uneven.AsSpan(0, 3 * Pixels), seed, 0, 3, 1f, context.AsSpan(0, 3 * Pixels));
            m.Sample(uneven.AsSpan(3 * Pixels), seed, 3, 13, 1f, context.AsSpan(3 * Pixels));
            Assert.True(Bits(reference).SequenceEqual(Bits(uneven)), $"{threads} threads, calls of 3 and 13");

            var lattice = new float[n * Pixels];
            m.Sample(lattice, seed, grid, 1f, context);
            Assert.True(Bits(gridReference).SequenceEqual(Bits(lattice)), $"{threads} threads, one grid call against per-row calls");
        }
    }

    private static double Relief(ReadOnlySpan<float> s)
    {
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (float v in s)
        {
            if (!float.IsFinite(v)) return double.PositiveInfinity;
            (lo, hi) = (Math.Min(lo, v), Math.Max(hi, v));
        }
        return (double)hi - lo; // as FlowModel measures it
    }

    [Fact]
    public void SamplePlausibleRedrawsWithEachSamplesOwnContext()
    {
        const int n = 16;
        var context = Contexts(n);
        var raw = new float[n * Pixels];
        using (var plain = Load(1)) plain.Sample(raw, 8, 0, n, 1f, context);
        // max_relief at half the median relief: about half the samples exceed twice it and are redrawn.
        double median = Enumerable.Range(0, n).Select(i => Relief(raw.AsSpan(i * Pixels, Pixels))).Order().ElementAt(n / 2);
        var meta = new Dictionary<string, string> { ["flowgen.sample.max_relief"] = (median / 2).ToString("R", CultureInfo.InvariantCulture) };

        var batched = new float[n * Pixels];
        int redrawn;
        using (var m = Load(2, metadata: meta)) redrawn = m.SamplePlausible(batched, 8, 0, n, 1f, context);
        Assert.InRange(redrawn, 1, n - 1);

        // Each sample alone, with only its own context row, on one thread: the same bits, so each redraw used its own row.
        using var single = Load(1, metadata: meta);
        var alone = new float[n * Pixels];
        int redrawnAlone = 0;
        for (int i = 0; i < n; i++)
            redrawnAlone += single.SamplePlausible(alone.AsSpan(i * Pixels, Pixels), 8, i, 1, 1f, context.AsSpan(i * Pixels, Pixels));
        Assert.Equal(redrawn, redrawnAlone);
        Assert.True(Bits(batched).SequenceEqual(Bits(alone)));

        var mode = new float[Pixels];
        for (int i = 0; i < n; i++)
        {
            var s = batched.AsSpan(i * Pixels, Pixels);
            if (Relief(raw.AsSpan(i * Pixels, Pixels)) <= median) Assert.True(s.SequenceEqual(raw.AsSpan(i * Pixels, Pixels)), $"plausible sample {i} was changed");
            else if (Relief(s) > median)
            {
                // Still implausible: only the mode (temperature 0) of its own context is left.
                single.Sample(mode, 8, i, 1, 0f, context.AsSpan(i * Pixels, Pixels));
                Assert.True(s.SequenceEqual(mode), $"sample {i} is implausible but not the mode");
            }
        }
    }

    [Fact]
    public void WrongUsageThrows()
    {
        using var m = Load(2);
        var dest = new float[4 * Pixels];
        var e = Assert.Throws<FlowGenException>(() => m.Sample(dest, 1, 0, 4, 1f));
        Assert.Equal("conditional-glow.onnx", e.FilePath);
        Assert.Contains("context", e.Message);
        Assert.Throws<FlowGenException>(() => m.SamplePlausible(dest, 1, SampleIndices.Run(0, 4), 1f));
        var tooShort = Assert.Throws<ArgumentException>(() => m.Sample(dest, 1, 0, 4, 1f, new float[4 * Pixels - 1]));
        Assert.Equal("context", tooShort.ParamName);
        Assert.Throws<ArgumentException>(() => m.SamplePlausible(dest, 1, 0, 4, 1f, new float[3 * Pixels]));
        Assert.Throws<InvalidOperationException>(() => m.Run(new float[4 * Pixels], dest, 4));

        var plain = new MultiScaleFlow<float>(new FlowConfig { Arch = FlowArch.Glow, Size = Size, Levels = 2, StepsPerLevel = 1, Hidden = 8 }, 1);
        using var u = FlowModel.Load(FlowExporter.BuildSampling(plain, new Dictionary<string, string>()).ToByteArray(), null, "plain-glow.onnx");
        Assert.False(u.IsConditional);
        var p = Assert.Throws<FlowGenException>(() => u.Sample(new float[Pixels], 1, 0, 1, 1f, new float[Pixels]));
        Assert.Equal("plain-glow.onnx", p.FilePath);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SampleWithContextAllocatesNothingAfterWarmUp(int threads)
    {
        using var m = Load(threads, maxBatch: 8);
        var grid = new SampleIndices(0, 5, Rows: 2, RowStride: 1L << 32);
        var context = Contexts(grid.Count);
        var x = new float[grid.Count * Pixels];
        m.Sample(x, 5, grid, 0.9f, context);
        m.SamplePlausible(x, 5, 0, 3, 0.9f, context);
        // allowance: the worker pool's one-time lazy lock object (see the runtime's GlowLikeModelTests)
        long allocated = AllocationMeter.Allocated(() =>
        {
            for (int i = 0; i < 20; i++)
            {
                m.Sample(x, 5, grid with { FirstIndex = i }, 0.9f, context);
                m.SamplePlausible(x, 5, i, 3, 0.9f, context);
            }
        }, allowance: 48);
        Assert.InRange(allocated, 0, 48);
    }
}
