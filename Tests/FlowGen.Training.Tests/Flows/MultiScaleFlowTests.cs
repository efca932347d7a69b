// Whole small flows of every architecture: decode(encode(x)) = x, log|det| of x → z against the
// brute-force Jacobian, and parameter gradients of log p(x) against finite differences.
using FlowGen.Training.Autodiff;
using FlowGen.Training.Flows;
using static FlowGen.Training.Tests.FlowCheck;

namespace FlowGen.Training.Tests.Flows;

public class MultiScaleFlowTests
{
    private static MultiScaleFlow<double> Small(FlowArch arch, int ctx = 0, bool pool = false, int squeezeLevels = 0, bool globalPool = false, bool splitPrior = false)
    {
        var f = new MultiScaleFlow<double>(new FlowConfig
        {
            Arch = arch, Size = 8, Levels = 2, StepsPerLevel = 2, Hidden = 6, Bins = 4, TailBound = 3, ContextChannels = ctx, ContextPool = pool,
            ContextSqueezeLevels = squeezeLevels, GlobalPool = globalPool, SplitPrior = splitPrior,
        }, 42);
        using (GradMode.NoGrad()) f.Encode(Randn([8, 1, 8, 8], 1), ctx > 0 ? Randn([8, ctx, 8, 8], 2) : null);
        Perturb(f, 7, 0.1);
        return f;
    }

    [Theory]
    [InlineData(FlowArch.Glow, 0)]
    [InlineData(FlowArch.RealNvp, 0)]
    [InlineData(FlowArch.Nsf, 0)]
    [InlineData(FlowArch.Glow, 1)]
    [InlineData(FlowArch.Glow, 1, true)]
    [InlineData(FlowArch.Glow, 1, true, 1)]
    [InlineData(FlowArch.Glow, 0, false, 0, true)]
    [InlineData(FlowArch.Nsf, 0, false, 0, true)]
    [InlineData(FlowArch.Glow, 1, true, 1, true)]
    [InlineData(FlowArch.Glow, 0, false, 0, false, true)]
    [InlineData(FlowArch.Nsf, 0, false, 0, false, true)]
    [InlineData(FlowArch.Glow, 1, true, 1, false, true)]
    public void DecodeInvertsEncodeAndLogDetIsExact(FlowArch arch, int ctxChannels, bool pool = false, int squeezeLevels = 0, bool globalPool = false, bool splitPrior = false)
    {
        var f = Small(arch, ctxChannels, pool, squeezeLevels, globalPool, splitPrior);
        var ctx = ctxChannels > 0 ? Randn([2, ctxChannels, 8, 8], 5) : null;
        var x = Randn([2, 1, 8, 8], 3);
        InverseRoundTrip(t => f.Encode(t, ctx).Z, z => f.Decode(z, ctx), x, 1e-8);
        LogDetMatchesJacobian(t =>
        {
            var (z, ld) = f.Encode(t, ctx);
            return (Ops.Reshape(z, t.Shape), ld);
        }, x, 1e-5);
        Assert.Equal(64, f.LatentShapes.Sum(s => s.C * s.H * s.W));
    }

    [Theory]
    [InlineData(FlowArch.Glow, false)]
    [InlineData(FlowArch.Nsf, false)]
    [InlineData(FlowArch.Glow, true)]
    [InlineData(FlowArch.Glow, false, true)]
    public void LogProbParameterGradientsMatchFiniteDifferences(FlowArch arch, bool globalPool, bool splitPrior = false)
    {
        var f = Small(arch, globalPool: globalPool, splitPrior: splitPrior);
        var x = Randn([2, 1, 8, 8], 4);
        GradCheck.Check(_ => f.LogProb(x), f.Parameters().ToArray(), tol: 2e-5);
    }

    [Fact]
    public void GlowHasReferenceParameterCountAndNames()
    {
        var f = new MultiScaleFlow<float>(new FlowConfig(), 0);
        Assert.Equal(150_592, f.ParameterCount); // glow_ref.py: 150,592 parameters
        var names = f.NamedTensors().Select(e => e.Name).ToHashSet();
        Assert.Contains("levels.0.0.actnorm.bias", names);
        Assert.Contains("levels.2.3.coupling.net.conv3.weight", names);
        Assert.Contains("levels.1.2.invconv.sign_s", names);
    }

    // Every tensor the plain flow has, the extended one has with the same initial values; the others pass checkAdded.
    private static void AssertExtends(MultiScaleFlow<double> plain, MultiScaleFlow<double> extended, Action<string> checkAdded)
    {
        var shared = plain.NamedTensors().ToDictionary(e => e.Name, e => e.Value);
        foreach (var (name, t, _) in extended.NamedTensors())
            if (shared.TryGetValue(name, out var p)) Assert.Equal(p.Data, t.Data);
            else checkAdded(name);
    }

    [Fact]
    public void GlobalPoolStartsAsThePlainNetworkAndAddsHiddenSquaredPerCoupling()
    {
        var plain = new MultiScaleFlow<double>(new FlowConfig { Size = 8, Levels = 2, StepsPerLevel = 2, Hidden = 6 }, 42);
        var pooled = new MultiScaleFlow<double>(new FlowConfig { Size = 8, Levels = 2, StepsPerLevel = 2, Hidden = 6, GlobalPool = true }, 42);
        Assert.Equal(plain.ParameterCount + 4 * (6 * 6 + 6), pooled.ParameterCount);
        AssertExtends(plain, pooled, name => Assert.Contains(".coupling.net.global.", name));
        var x = Randn([3, 1, 8, 8], 8);
        using (GradMode.NoGrad())
            Assert.Equal(plain.LogProb(x).Data, pooled.LogProb(x).Data); // the pooled term starts at zero
        Assert.Equal(150_592 + 12 * (64 * 64 + 64), new MultiScaleFlow<float>(new FlowConfig { GlobalPool = true }, 0).ParameterCount);
    }

    [Fact]
    public void CoarsestStepsDeepenOnlyTheLastLevel()
    {
        var plain = new MultiScaleFlow<double>(new FlowConfig { Size = 8, Levels = 2, StepsPerLevel = 2, Hidden = 6 }, 42);
        var deep = new MultiScaleFlow<double>(new FlowConfig { Size = 8, Levels = 2, StepsPerLevel = 2, Hidden = 6, CoarsestSteps = 5 }, 42);
        Assert.Equal([2, 5], deep.Levels.Select(l => l.Steps.Count).ToArray());
        Assert.Equal([2, 2], plain.Levels.Select(l => l.Steps.Count).ToArray());
        // Level 1 runs on 8 channels (2x2 squeeze of the 2 kept): three more steps of ActNorm, LU 1x1 conv and coupling.
        long step = plain.Levels[1].Steps[0].ParameterCount;
        Assert.Equal(plain.ParameterCount + 3 * step, deep.ParameterCount);
        Assert.Equal(plain.LatentShapes, deep.LatentShapes);
        Assert.Contains("levels.1.4.coupling.net.conv3.weight", deep.NamedTensors().Select(e => e.Name));
        using (GradMode.NoGrad()) deep.Encode(Randn([8, 1, 8, 8], 1));
        Perturb(deep, 7, 0.1);
        var x = Randn([2, 1, 8, 8], 3);
        InverseRoundTrip(t => deep.Encode(t).Z, z => deep.Decode(z), x, 1e-8);
        LogDetMatchesJacobian(t =>
        {
            var (z, ld) = deep.Encode(t);
            return (Ops.Reshape(z, t.Shape), ld);
        }, x, 1e-5);
        Assert.Throws<FlowConfigException>(() => new MultiScaleFlow<double>(new FlowConfig { Size = 8, Levels = 2, CoarsestSteps = -1 }, 42));
    }

    [Fact]
    public void SplitPriorStartsAsTheStandardNormalPriorAndModelsEachSplit()
    {
        var plain = new MultiScaleFlow<double>(new FlowConfig { Size = 8, Levels = 3, StepsPerLevel = 2, Hidden = 6 }, 42);
        var prior = new MultiScaleFlow<double>(new FlowConfig { Size = 8, Levels = 3, StepsPerLevel = 2, Hidden = 6, SplitPrior = true }, 42);
        // Splits after levels 0 and 1: 2 of 4 channels kept and factored, then 4 of 8; a 3x3 conv to mean and log-scale each.
        Assert.Equal(2, prior.Priors.Count);
        Assert.Equal(plain.ParameterCount + (2 * 2 * 2 * 9 + 2 * 2) + (2 * 4 * 4 * 9 + 2 * 4), prior.ParameterCount);
        AssertExtends(plain, prior, name => Assert.StartsWith("priors.", name));
        var x = Randn([3, 1, 8, 8], 8);
        using (GradMode.NoGrad())
        {
            Assert.Equal(plain.LogProb(x).Data, prior.LogProb(x).Data); // zero-initialised: N(0, 1) at every split
            // A prior that shifts its mean by m and scales by e^s moves ε accordingly and the log-density by -Σ s.
            var conv = prior.Priors[0].Conv;
            conv.Bias.Data[0] = 0.5; // μ of factored channel 0
            conv.Bias.Data[3] = 0.25; // log σ of factored channel 1
            var (z0, ld0) = plain.Encode(x);
            var (z1, ld1) = prior.Encode(x);
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(ld0.Data[i] - 0.25 * 16, ld1.Data[i], 10); // 4x4 pixels of channel 1 at level 0
                for (int p = 0; p < 16; p++)
                {
                    Assert.Equal(z0.Data[i * 64 + p] - 0.5, z1.Data[i * 64 + p], 10);
                    Assert.Equal(z0.Data[i * 64 + 16 + p] * Math.Exp(-0.25), z1.Data[i * 64 + 16 + p], 10);
                }
            }
        }
    }
}
