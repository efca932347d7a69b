// Every flow layer: inverse(forward(x)) = x, log|det| equals the brute-force log|det J|, gradients
// of the log-determinant and output w.r.t. parameters match finite differences, finite at extremes.
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;
using FlowGen.Training.Flows;
using static FlowGen.Training.Tests.FlowCheck;

namespace FlowGen.Training.Tests.Flows;

public class FlowTransformTests
{
    public static TheoryData<string> Layers => ["actnorm", "invconv", "invconv_lu", "affine", "additive", "spline", "reverse", "shuffle", "squeeze", "affine_ctx", "spline_ctx"];

    private static (FlowTransform<double> Layer, Tensor<double>? Ctx) Make(string name)
    {
        var rng = new Rng(3);
        Tensor<double>? ctx = name.EndsWith("_ctx") ? Randn([2, 2, 4, 4], 11) : null;
        FlowTransform<double> l = name switch
        {
            "actnorm" => new ActNorm<double>(4),
            "invconv" => new InvConv1x1<double>(4, rng),
            "invconv_lu" => new InvConv1x1LU<double>(4, rng),
            "affine" => new AffineCouplingTransform<double>(4, 8, rng),
            "affine_ctx" => new AffineCouplingTransform<double>(4, 8, rng, contextChannels: 2),
            "additive" => new AdditiveCouplingTransform<double>(4, 8, rng),
            "spline" => new SplineCouplingTransform<double>(4, 8, 5, 3.0, rng),
            "spline_ctx" => new SplineCouplingTransform<double>(4, 8, 5, 3.0, rng, contextChannels: 2),
            "reverse" => ChannelPermutation<double>.Reverse(4),
            "shuffle" => ChannelPermutation<double>.Shuffle(4, rng),
            "squeeze" => new SqueezeTransform<double>(),
            _ => throw new ArgumentException(name),
        };
        Perturb(l, 5, 0.3);
        if (l is ActNorm<double> an)
        {
            using var _ = GradMode.NoGrad();
            an.Forward(Randn([8, 4, 4, 4], 9, 2.0)); // data-dependent init on another batch
        }
        return (l, ctx);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void InverseOfForwardIsIdentity(string name)
    {
        var (l, ctx) = Make(name);
        InverseRoundTrip(x => l.Forward(x, ctx).Y, y => l.Inverse(y, ctx), Randn([2, 4, 4, 4], 1, 1.5));
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void LogDetEqualsBruteForceJacobian(string name)
    {
        var (l, ctx) = Make(name);
        var x = Randn([2, 4, 4, 4], 2, 1.5);
        var (_, ld) = l.Forward(x, ctx);
        Assert.True(ld.Length == 1 || ld.Length == 2);
        LogDetMatchesJacobian(t => l.Forward(t, ctx), x);
    }

    [Theory]
    [MemberData(nameof(Layers))]
    public void ParameterAndInputGradientsMatchFiniteDifferences(string name)
    {
        var (l, ctx) = Make(name);
        var x = Randn([2, 4, 4, 4], 4, 1.5);
        var xg = new Tensor<double>(x.Shape, x.Data, requiresGrad: true);
        var inputs = l.Parameters().Append(xg).ToArray();
        GradCheck.Check(_ =>
        {
            var (y, ld) = l.Forward(xg, ctx);
            return Ops.Concat(0, Ops.Reshape(y, -1), Ops.Reshape(Ops.Mul(ld, Tensor<double>.Scalar(1.0)), -1));
        }, inputs, tol: 2e-5);
    }

    [Fact]
    public void SplineIsIdentityOutsideBoundsAndFiniteAtExtremes()
    {
        var (l, _) = Make("spline");
        var x = Randn([1, 4, 4, 4], 6);
        double[] extremes = [3.0, -3.0, 3.0000001, -1e30, 1e30, 50, -50, 2.9999999];
        for (int i = 0; i < extremes.Length; i++) x.Data[32 + i] = extremes[i];
        using var _ = GradMode.NoGrad();
        var (y, ld) = l.Forward(x);
        Assert.All(y.Data, v => Assert.True(double.IsFinite(v)));
        Assert.True(double.IsFinite(ld.Data[0]));
        Assert.Equal(-1e30, y.Data[35]);
        Assert.Equal(50, y.Data[37]);
        var back = l.Inverse(y);
        for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(back.Data[i] - x.Data[i]) <= 1e-8 * (1 + Math.Abs(x.Data[i])), $"{i}");
        // the inverse also stays finite for values beyond the bounds that no forward produced
        var z = Randn([1, 4, 4, 4], 8, 100);
        Assert.All(l.Inverse(z).Data, v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void AffineCouplingStaysFiniteAtExtremeInputs()
    {
        var l = new AffineCouplingTransform<float>(4, 8, new Rng(1));
        var x = new Tensor<float>([1, 4, 2, 2]);
        for (int i = 0; i < x.Length; i++) x.Data[i] = i % 2 == 0 ? 1e6f : -1e6f;
        using var _ = GradMode.NoGrad();
        var (y, ld) = l.Forward(x);
        Assert.All(y.Data, v => Assert.True(float.IsFinite(v)));
        Assert.True(float.IsFinite(ld.Data[0]));
    }

    [Fact]
    public void ActNormInitialisesFromDataOnceAndNormalises()
    {
        var an = new ActNorm<double>(3);
        var x = Randn([16, 3, 4, 4], 12, 3.0);
        for (int i = 0; i < x.Length; i++) x.Data[i] += 5;
        using var _ = GradMode.NoGrad();
        var y = an.Forward(x).Y;
        Assert.True(an.IsInitialized);
        for (int c = 0; c < 3; c++)
        {
            var vals = Enumerable.Range(0, 16).SelectMany(n => Enumerable.Range(0, 16).Select(j => y.Data[(n * 3 + c) * 16 + j])).ToArray();
            double mean = vals.Average(), var = vals.Select(v => (v - mean) * (v - mean)).Average();
            Assert.True(Math.Abs(mean) < 1e-9);
            Assert.True(Math.Abs(var - 1) < 1e-5);
        }
        var bias = (double[])an.Bias.Data.Clone();
        an.Forward(Randn([4, 3, 4, 4], 13));
        Assert.Equal(bias, an.Bias.Data); // no re-initialisation
    }
}
