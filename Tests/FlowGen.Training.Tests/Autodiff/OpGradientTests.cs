// Every op's gradient against central finite differences in double precision.
using FlowGen.Training.Autodiff;
using static FlowGen.Training.Tests.GradCheck;

namespace FlowGen.Training.Tests.Autodiff;

public class OpGradientTests
{
    private readonly Random _rng = new(1);

    [Theory]
    [InlineData(new[] { 2, 3, 4 }, new[] { 2, 3, 4 })]
    [InlineData(new[] { 2, 3, 2, 2 }, new[] { 1, 3, 1, 1 })]
    [InlineData(new[] { 3, 1 }, new[] { 1, 4 })]
    [InlineData(new[] { 2, 3 }, new int[0])]
    public void BinaryOpsBroadcast(int[] sa, int[] sb)
    {
        var a = Rand(_rng, sa);
        var b = Rand(_rng, sb, 0.5, 2.0);
        Check(t => Ops.Add(t[0], t[1]), [a, b]);
        Check(t => Ops.Sub(t[0], t[1]), [a, b]);
        Check(t => Ops.Mul(t[0], t[1]), [a, b]);
        Check(t => Ops.Div(t[0], t[1]), [a, b]);
        Check(t => Ops.Sub(t[1], t[0]), [a, b]);
    }

    [Fact]
    public void BroadcastValuesMatchNumPyRule()
    {
        var a = Tensor<double>.From([2, 1], [1, 2]);
        var b = Tensor<double>.From([3], [10, 20, 30]);
        Assert.Equal([11, 21, 31, 12, 22, 32], Ops.Add(a, b).Data);
        Assert.Equal([2, 3], Ops.Add(a, b).Shape);
    }

    [Fact]
    public void UnaryOps()
    {
        var x = Rand(_rng, [3, 5], -3, 3);
        var pos = Rand(_rng, [3, 5], 0.2, 3);
        Check(t => Ops.Exp(t[0]), [x]);
        Check(t => Ops.Log(t[0]), [pos]);
        Check(t => Ops.Sigmoid(t[0]), [x]);
        Check(t => Ops.Tanh(t[0]), [x]);
        Check(t => Ops.Relu(t[0]), [x]);
        Check(t => Ops.Softplus(t[0]), [x]);
        Check(t => Ops.LogSigmoid(t[0]), [x]);
        Check(t => Ops.Scale(t[0], -2.5), [x]);
        Check(t => Ops.AddScalar(t[0], 2.0), [x]);
        Check(t => Ops.Square(t[0]), [x]);
    }

    [Fact]
    public void SoftplusAndSigmoidStayFiniteAtExtremes()
    {
        var x = Tensor<float>.From([4], [-1e4, -100, 100, 1e4]);
        var sp = Ops.Softplus(x).Data;
        var sg = Ops.Sigmoid(x).Data;
        Assert.All(sp, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(1e4f, sp[3]);
        Assert.Equal(0f, sg[0]);
        Assert.Equal(1f, sg[3]);
    }

    [Fact]
    public void Reductions()
    {
        var x = Rand(_rng, [2, 3, 4]);
        Check(t => Ops.Sum(t[0], [1, 2]), [x]);
        Check(t => Ops.Sum(t[0], [0], keepDims: true), [x]);
        Check(t => Ops.SumAll(t[0]), [x]);
        Check(t => Ops.Mean(t[0], [2]), [x]);
        Check(t => Ops.Sum(t[0], [1]), [x]);
    }

    [Fact]
    public void ShapeOps()
    {
        var x = Rand(_rng, [2, 3, 4, 6]);
        Check(t => Ops.Reshape(t[0], 6, -1), [x]);
        Check(t => Ops.Permute(t[0], 0, 2, 3, 1), [x]);
        Check(t => Ops.Squeeze2x2(t[0]), [x]);
        Check(t => Ops.Unsqueeze2x2(Ops.Reshape(t[0], 2, 12, 2, 3)), [x]);
        Check(t => Ops.Slice(t[0], 1, 1, 2), [x]);
        Check(t => Ops.Slice(t[0], 3, 1, 3, step: 2), [x]);
        var y = Rand(_rng, [2, 2, 4, 6]);
        Check(t => Ops.Concat(1, t[0], t[1], t[0]), [x, y]);
        Check(t => Ops.Transpose(Ops.Reshape(t[0], 12, 12)), [x]);
    }

    [Fact]
    public void SqueezeUsesGlowChannelOrderAndInverts()
    {
        var x = new Tensor<double>([1, 1, 2, 2], [1, 2, 3, 4]);
        var s = Ops.Squeeze2x2(x);
        Assert.Equal([1, 4, 1, 1], s.Shape);
        Assert.Equal([1, 2, 3, 4], s.Data); // channel = dy*2 + dx
        var r = Rand(_rng, [2, 3, 4, 6]);
        Assert.Equal(r.Data, Ops.Unsqueeze2x2(Ops.Squeeze2x2(r)).Data);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    public void Conv2d(int k)
    {
        var x = Rand(_rng, [2, 3, 5, 4]);
        var w = Rand(_rng, [4, 3, k, k]);
        var b = Rand(_rng, [4]);
        Check(t => Ops.Conv2d(t[0], t[1], t[2]), [x, w, b]);
        Check(t => Ops.Conv2d(t[0], t[1], null), [x, w]);
    }

    [Fact]
    public void Conv2dMatchesDirectSum()
    {
        var x = Rand(_rng, [1, 2, 4, 3]);
        var w = Rand(_rng, [3, 2, 3, 3]);
        var b = Rand(_rng, [3]);
        var y = Ops.Conv2d(x, w, b);
        for (int o = 0; o < 3; o++)
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 3; j++)
                {
                    double s = b.Data[o];
                    for (int c = 0; c < 2; c++)
                        for (int dy = 0; dy < 3; dy++)
                            for (int dx = 0; dx < 3; dx++)
                            {
                                int si = i + dy - 1, sj = j + dx - 1;
                                if (si < 0 || si >= 4 || sj < 0 || sj >= 3) continue;
                                s += w.Data[((o * 2 + c) * 3 + dy) * 3 + dx] * x.Data[(c * 4 + si) * 3 + sj];
                            }
                    Assert.Equal(s, y.Data[(o * 4 + i) * 3 + j], 12);
                }
    }

    [Fact]
    public void MatMulAndDiag()
    {
        var a = Rand(_rng, [3, 4]);
        var b = Rand(_rng, [4, 2]);
        Check(t => Ops.MatMul(t[0], t[1]), [a, b]);
        var v = Rand(_rng, [3]);
        Check(t => Ops.MatMul(Ops.Diag(t[0]), t[1]), [v, Rand(_rng, [3, 3])]);
    }

    [Fact]
    public void FloatConvMatchesDouble()
    {
        var xd = Rand(_rng, [3, 4, 6, 6]);
        var wd = Rand(_rng, [5, 4, 3, 3]);
        var xf = new Tensor<float>(xd.Shape, xd.Data.Select(v => (float)v).ToArray());
        var wf = new Tensor<float>(wd.Shape, wd.Data.Select(v => (float)v).ToArray());
        var yd = Ops.Conv2d(xd, wd, null).Data;
        var yf = Ops.Conv2d(xf, wf, null).Data;
        for (int i = 0; i < yd.Length; i++) Assert.True(Math.Abs(yd[i] - yf[i]) < 1e-4, $"{i}: {yd[i]} vs {yf[i]}");
    }

    [Theory]
    [InlineData(3, 5, 7, 7, 6)]
    [InlineData(1, 4, 5, 3, 40)]
    [InlineData(3, 70, 4, 4, 3)]
    [InlineData(3, 6, 9, 5, 9)]  // weight-gradient tiles cut at both edges, a masked last vector
    [InlineData(3, 2, 1, 2, 5)]  // rows shorter than one vector
    [InlineData(1, 3, 2, 3, 2)]
    [InlineData(3, 3, 2, 5, 6)]  // grid of 12: one-vector tiles
    public void FloatConvGradientsMatchDoublePath(int k, int ci, int h, int w, int co)
    {
        FloatConvMatchesDoublePath(k, ci, h, w, co, false);
        FloatConvMatchesDoublePath(k, ci, h, w, co, true);
    }

    [Fact]
    public void AffineCouplingGradients()
    {
        var xb = Rand(_rng, [2, 3, 2, 3]);
        var h = Rand(_rng, [2, 6, 2, 3], -3, 3);
        Check(t => Ops.AffineCoupling(t[0], t[1]).Y, [xb, h]);
        var xbFixed = xb.Detach(); // the log-determinant does not depend on xb
        Check(t => Ops.AffineCoupling(xbFixed, t[0]).LogDet, [h]);
        Check(t => { var (y, ld) = Ops.AffineCoupling(t[0], t[1]); return Ops.Add(Ops.Sum(y, [1, 2, 3]), Ops.Scale(ld, 0.7)); }, [xb, h]);
    }

    [Fact]
    public void AffineCouplingMatchesItsUnfusedOps()
    {
        var xb = Rand(_rng, [2, 3, 2, 3]);
        var h = Rand(_rng, [2, 6, 2, 3], -3, 3);
        var (y, ld) = Ops.AffineCoupling(xb, h);
        var a = Ops.AddScalar(Ops.Slice(h, 1, 1, 3, 2), 2.0);
        Assert.Equal(Ops.Mul(Ops.Add(xb, Ops.Slice(h, 1, 0, 3, 2)), Ops.Sigmoid(a)).Data, y.Data);
        Assert.Equal(Ops.Sum(Ops.LogSigmoid(a), [1, 2, 3]).Data, ld.Data);
    }

    [Fact]
    public void Conv2dReluIsReluOfConv2d()
    {
        var x = Rand(_rng, [2, 3, 5, 4]);
        var w = Rand(_rng, [4, 3, 3, 3]);
        var b = Rand(_rng, [4]);
        Check(t => Ops.Conv2dRelu(t[0], t[1], t[2]), [x, w, b]);
        Assert.Equal(Ops.Relu(Ops.Conv2d(x, w, b)).Data, Ops.Conv2dRelu(x, w, b).Data);
    }

    // The float path (fused ReLU when relu) against the double path, values and gradients.
    private void FloatConvMatchesDoublePath(int k, int ci, int h, int w, int co, bool relu)
    {
        var xd = Rand(_rng, [3, ci, h, w]);
        var wd = Rand(_rng, [co, ci, k, k]);
        var bd = Rand(_rng, [co]);
        var seed = Rand(_rng, [3, co, h, w]);
        static Tensor<float> F(Tensor<double> t) => new(t.Shape, t.Data.Select(v => (float)v).ToArray(), requiresGrad: true);
        var (xf, wf, bf) = (F(xd), F(wd), F(bd));
        var yd = relu ? Ops.Relu(Ops.Conv2d(xd, wd, bd)) : Ops.Conv2d(xd, wd, bd);
        var yf = relu ? Ops.Conv2dRelu(xf, wf, bf) : Ops.Conv2d(xf, wf, bf);
        for (int i = 0; i < yd.Length; i++) Assert.True(Math.Abs(yd.Data[i] - yf.Data[i]) < 1e-4, $"y {i}");
        yd.Backward(seed.Data);
        yf.Backward(seed.Data.Select(v => (float)v).ToArray());
        foreach (var (d, f, name) in new[] { (xd.Grad!, xf.Grad!, "dx"), (wd.Grad!, wf.Grad!, "dw"), (bd.Grad!, bf.Grad!, "db") })
            for (int i = 0; i < d.Length; i++) Assert.True(Math.Abs(d[i] - f[i]) < 1e-3 * (1 + Math.Abs(d[i])), $"{name} {i}: {d[i]} vs {f[i]}");
    }
}
