// Central finite differences in double precision against the tape's analytic gradients.
using FlowGen.Training.Autodiff;

namespace FlowGen.Training.Tests;

internal static class GradCheck
{
    /// <summary>Random tensor with values in [lo, hi), requiring gradients.</summary>
    public static Tensor<double> Rand(Random rng, int[] shape, double lo = -1, double hi = 1)
    {
        var t = new Tensor<double>(shape, null, requiresGrad: true);
        for (int i = 0; i < t.Length; i++) t.Data[i] = lo + (hi - lo) * rng.NextDouble();
        return t;
    }

    /// <summary>Asserts d(sum(f(inputs) * w))/d(inputs) equals its central finite difference.</summary>
    public static void Check(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs, double eps = 1e-6, double tol = 1e-6)
    {
        var rng = new Random(7);
        foreach (var t in inputs) t.ZeroGrad();
        var y = f(inputs);
        var w = new double[y.Length];
        for (int i = 0; i < w.Length; i++) w[i] = rng.NextDouble() * 2 - 1;
        var loss = Ops.SumAll(Ops.Mul(y, new Tensor<double>(y.Shape, w)));
        loss.Backward();
        for (int ti = 0; ti < inputs.Length; ti++)
        {
            var t = inputs[ti];
            if (!t.RequiresGrad) continue;
            Assert.NotNull(t.Grad);
            for (int i = 0; i < t.Length; i++)
            {
                double v = t.Data[i];
                t.Data[i] = v + eps;
                double lp = Eval(f, inputs, w);
                t.Data[i] = v - eps;
                double lm = Eval(f, inputs, w);
                t.Data[i] = v;
                double num = (lp - lm) / (2 * eps), ana = t.Grad![i];
                Assert.True(Math.Abs(num - ana) <= tol * (1 + Math.Abs(num)),
                    $"input {ti} element {i}: analytic {ana}, numeric {num}");
            }
        }
    }

    private static double Eval(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs, double[] w)
    {
        using var _ = GradMode.NoGrad();
        var y = f(inputs);
        double s = 0;
        for (int i = 0; i < y.Length; i++) s += y.Data[i] * w[i];
        return s;
    }
}
