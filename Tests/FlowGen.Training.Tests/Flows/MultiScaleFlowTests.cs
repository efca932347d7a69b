// Whole small flows of every architecture: decode(encode(x)) = x, log|det| of x → z against the
// brute-force Jacobian, and parameter gradients of log p(x) against finite differences.
using FlowGen.Training.Autodiff;
using FlowGen.Training.Flows;
using static FlowGen.Training.Tests.FlowCheck;

namespace FlowGen.Training.Tests.Flows;

public class MultiScaleFlowTests
{
    private static MultiScaleFlow<double> Small(FlowArch arch, int ctx = 0, bool pool = false, int squeezeLevels = 0, bool globalPool = false)
    {
        var f = new MultiScaleFlow<double>(new FlowConfig
        {
            Arch = arch, Size = 8, Levels = 2, StepsPerLevel = 2, Hidden = 6, Bins = 4, TailBound = 3, ContextChannels = ctx, ContextPool = pool,
            ContextSqueezeLevels = squeezeLevels, GlobalPool = globalPool,
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
    public void DecodeInvertsEncodeAndLogDetIsExact(FlowArch arch, int ctxChannels, bool pool = false, int squeezeLevels = 0, bool globalPool = false)
    {
        var f = Small(arch, ctxChannels, pool, squeezeLevels, globalPool);
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
    public void LogProbParameterGradientsMatchFiniteDifferences(FlowArch arch, bool globalPool)
    {
        var f = Small(arch, globalPool: globalPool);
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

    [Fact]
    public void GlobalPoolStartsAsThePlainNetworkAndAddsHiddenSquaredPerCoupling()
    {
        var plain = new MultiScaleFlow<double>(new FlowConfig { Size = 8, Levels = 2, StepsPerLevel = 2, Hidden = 6 }, 42);
        var pooled = new MultiScaleFlow<double>(new FlowConfig { Size = 8, Levels = 2, StepsPerLevel = 2, Hidden = 6, GlobalPool = true }, 42);
        Assert.Equal(plain.ParameterCount + 4 * (6 * 6 + 6), pooled.ParameterCount);
        var shared = plain.NamedTensors().ToDictionary(e => e.Name, e => e.Value);
        foreach (var (name, t, _) in pooled.NamedTensors())
            if (shared.TryGetValue(name, out var p)) Assert.Equal(p.Data, t.Data);
            else Assert.Contains(".coupling.net.global.", name);
        var x = Randn([3, 1, 8, 8], 8);
        using (GradMode.NoGrad())
            Assert.Equal(plain.LogProb(x).Data, pooled.LogProb(x).Data); // the pooled term starts at zero
        Assert.Equal(150_592 + 12 * (64 * 64 + 64), new MultiScaleFlow<float>(new FlowConfig { GlobalPool = true }, 0).ParameterCount);
    }
}
