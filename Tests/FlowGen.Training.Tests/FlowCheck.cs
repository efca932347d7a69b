// Shared checks for flow transforms: inverse(forward(x)) = x and log|det| against the brute-force
// log|det J| of the full Jacobian (central differences in double, determinant by MathNet's LU).
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;
using FlowGen.Training.Flows;
using MathNet.Numerics.LinearAlgebra;

namespace FlowGen.Training.Tests;

internal static class FlowCheck
{
    /// <summary>Adds N(0, scale²) noise to every trainable parameter (so zero-initialised layers are not trivial).</summary>
    public static void Perturb(Module<double> m, ulong seed, double scale = 0.3)
    {
        var rng = new Rng(seed);
        foreach (var p in m.Parameters())
            for (int i = 0; i < p.Length; i++) p.Data[i] += scale * rng.NextGaussian();
    }

    public static Tensor<double> Randn(int[] shape, ulong seed, double scale = 1)
    {
        var rng = new Rng(seed);
        var t = new Tensor<double>(shape);
        for (int i = 0; i < t.Length; i++) t.Data[i] = scale * rng.NextGaussian();
        return t;
    }

    public static void InverseRoundTrip(Func<Tensor<double>, Tensor<double>> f, Func<Tensor<double>, Tensor<double>> inv, Tensor<double> x, double tol = 1e-9)
    {
        using var _ = GradMode.NoGrad();
        var y = f(x);
        var back = inv(y);
        Assert.Equal(x.Shape, back.Shape);
        for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(x.Data[i] - back.Data[i]) < tol, $"element {i}: {x.Data[i]} vs {back.Data[i]}");
    }

    /// <summary>For each sample s: log|det ∂f(x)_s/∂x_s| by finite differences equals logDet(x)[s].</summary>
    public static void LogDetMatchesJacobian(Func<Tensor<double>, (Tensor<double> Y, Tensor<double> LogDet)> f, Tensor<double> x, double tol = 1e-6)
    {
        using var _ = GradMode.NoGrad();
        var (y0, ld) = f(x);
        int n = x.Dim(0), d = x.Length / n, dy = y0.Length / n;
        Assert.Equal(d, dy);
        const double eps = 1e-6;
        for (int s = 0; s < n; s++)
        {
            var j = Matrix<double>.Build.Dense(d, d);
            for (int i = 0; i < d; i++)
            {
                double v = x.Data[s * d + i];
                x.Data[s * d + i] = v + eps;
                var yp = f(x).Y;
                x.Data[s * d + i] = v - eps;
                var ym = f(x).Y;
                x.Data[s * d + i] = v;
                for (int o = 0; o < d; o++) j[o, i] = (yp.Data[s * d + o] - ym.Data[s * d + o]) / (2 * eps);
            }
            double brute = j.LU().Determinant;
            double logAbs = Math.Log(Math.Abs(brute));
            double got = ld.Length == 1 ? ld.Data[0] : ld.Data[s];
            Assert.True(Math.Abs(logAbs - got) < tol * (1 + Math.Abs(logAbs)), $"sample {s}: brute-force {logAbs}, layer {got}");
        }
    }
}
