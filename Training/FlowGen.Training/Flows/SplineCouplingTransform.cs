// Rational-quadratic spline coupling (Durkan et al. 2019, "Neural Spline Flows"), linear tails:
// inside [-B, B] each transformed element goes through a monotone rational-quadratic spline with K bins
// whose widths, heights (softmax) and interior knot derivatives (softplus) come from NN(xa, ctx);
// outside it is the identity (boundary derivatives are 1, so the map is C¹). Per bin k, with
// θ = (x - x_k)/w_k, s = h_k/w_k:
//   y = y_k + h_k (s θ² + d_k θ(1-θ)) / (s + (d_k + d_{k+1} - 2s) θ(1-θ))
//   dy/dx = s² (d_{k+1} θ² + 2 s θ(1-θ) + d_k (1-θ)²) / (s + (d_k + d_{k+1} - 2s) θ(1-θ))²
// The inverse solves the quadratic in θ with the numerically stable root 2c / (-b - √(b² - 4ac)).
using System.Numerics;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;

namespace FlowGen.Training.Flows;

/// <summary>NSF rational-quadratic spline coupling with linear tails.</summary>
public sealed class SplineCouplingTransform<T> : FlowTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const double MinBinWidth = 1e-3, MinBinHeight = 1e-3, MinDerivative = 1e-3;

    /// <summary>Creates the coupling: <paramref name="bins"/> bins on [-<paramref name="tailBound"/>, <paramref name="tailBound"/>].</summary>
    public SplineCouplingTransform(int channels, int hidden, int bins, double tailBound, Rng rng, int contextChannels = 0, bool globalPool = false)
    {
        if (channels < 2) throw new ArgumentOutOfRangeException(nameof(channels), "Coupling needs at least 2 channels.");
        if (bins < 2) throw new ArgumentOutOfRangeException(nameof(bins), "Spline needs at least 2 bins.");
        Ca = channels / 2;
        Cb = channels - Ca;
        Bins = bins;
        TailBound = tailBound;
        Net = Child("net", new CouplingNet<T>(Ca + contextChannels, Cb * (3 * bins - 1), hidden, rng, globalPool));
    }

    /// <summary>Conditioner channels.</summary>
    public int Ca { get; }

    /// <summary>Transformed channels.</summary>
    public int Cb { get; }

    /// <summary>Number of bins K.</summary>
    public int Bins { get; }

    /// <summary>Tail bound B.</summary>
    public double TailBound { get; }

    /// <summary>The conditioner network (output channel j*(3K-1)+p is parameter p of channel j).</summary>
    public CouplingNet<T> Net { get; }

    /// <summary>Knots of every element: x-edges [M,K+1], y-edges [M,K+1], derivatives [M,K+1].</summary>
    internal (Tensor<T> Xk, Tensor<T> Yk, Tensor<T> Dk) Knots(Tensor<T> xa, Tensor<T>? ctx)
    {
        int k = Bins, n = xa.Dim(0), h = xa.Dim(2), w = xa.Dim(3);
        var p = Net.Apply(xa, ctx);
        // [N, Cb*(3K-1), H, W] → [N·Cb·H·W, 3K-1], rows in the (n, c, h, w) order of xb.
        p = Ops.Reshape(Ops.Permute(Ops.Reshape(p, n, Cb, 3 * k - 1, h, w), 0, 1, 3, 4, 2), -1, 3 * k - 1);
        int m = p.Dim(0);
        var xk = Edges(Ops.Slice(p, 1, 0, k), MinBinWidth, m);
        var yk = Edges(Ops.Slice(p, 1, k, k), MinBinHeight, m);
        var d = Ops.AddScalar(Ops.Softplus(Ops.Slice(p, 1, 2 * k, k - 1)), MinDerivative);
        var one = Tensor<T>.From([m, 1], Enumerable.Repeat(1.0, m).ToArray());
        return (xk, yk, Ops.Concat(1, one, d, one));
    }

    // Bin edges from logits: widths = min + (1 - min·K)·softmax, edges = [-B, -B + 2B·cumsum, …, B].
    private Tensor<T> Edges(Tensor<T> logits, double min, int m)
    {
        var wdt = Ops.AddScalar(Ops.Scale(Ops.Softmax(logits), 1 - min * Bins), min);
        var cum = Ops.AddScalar(Ops.Scale(Ops.CumSum(Ops.Slice(wdt, 1, 0, Bins - 1)), 2 * TailBound), -TailBound);
        var lo = Tensor<T>.From([m, 1], Enumerable.Repeat(-TailBound, m).ToArray());
        var hi = Tensor<T>.From([m, 1], Enumerable.Repeat(TailBound, m).ToArray());
        return Ops.Concat(1, lo, cum, hi);
    }

    /// <inheritdoc/>
    public override (Tensor<T> Y, Tensor<T> LogDet) Forward(Tensor<T> x, Tensor<T>? context = null)
    {
        int n = x.Dim(0);
        var xa = Ops.Slice(x, 1, 0, Ca);
        var xb = Ops.Slice(x, 1, Ca, Cb);
        var (xk, yk, dk) = Knots(xa, context);
        var v = Ops.Reshape(xb, -1);
        int m = v.Length;
        var inside = new double[m];
        for (int i = 0; i < m; i++) inside[i] = Math.Abs(double.CreateTruncating(v.Data[i])) <= TailBound ? 1 : 0;
        var mask = Tensor<T>.From([m], inside);
        var outside = Tensor<T>.From([m], inside.Select(b => 1 - b).ToArray());
        var vin = Ops.Mul(v, mask); // outside elements evaluate the spline at 0 and are masked out below
        var bin = Ops.SearchSorted(xk, vin);
        var x0 = Ops.GatherRows(xk, bin);
        var wk = Ops.Sub(Ops.GatherRows(xk, bin, 1), x0);
        var y0 = Ops.GatherRows(yk, bin);
        var hk = Ops.Sub(Ops.GatherRows(yk, bin, 1), y0);
        var d0 = Ops.GatherRows(dk, bin);
        var d1 = Ops.GatherRows(dk, bin, 1);
        var s = Ops.Div(hk, wk);
        var th = Ops.Div(Ops.Sub(vin, x0), wk);
        var th1 = Ops.Mul(th, Ops.AddScalar(Ops.Neg(th), 1.0)); // θ(1-θ)
        var den = Ops.Add(s, Ops.Mul(Ops.Sub(Ops.Add(d0, d1), Ops.Scale(s, 2)), th1));
        var num = Ops.Mul(hk, Ops.Add(Ops.Mul(s, Ops.Square(th)), Ops.Mul(d0, th1)));
        var yin = Ops.Add(y0, Ops.Div(num, den));
        var omt = Ops.AddScalar(Ops.Neg(th), 1.0);
        var dnum = Ops.Mul(Ops.Square(s), Ops.Add(Ops.Add(Ops.Mul(d1, Ops.Square(th)), Ops.Scale(Ops.Mul(s, th1), 2)), Ops.Mul(d0, Ops.Square(omt))));
        var ldin = Ops.Sub(Ops.Log(dnum), Ops.Scale(Ops.Log(den), 2));
        var y = Ops.Add(Ops.Mul(yin, mask), Ops.Mul(v, outside));
        var ld = Ops.Sum(Ops.Reshape(Ops.Mul(ldin, mask), n, -1), [1]);
        return (Ops.Concat(1, xa, Ops.Reshape(y, xb.Shape)), ld);
    }

    /// <inheritdoc/>
    public override Tensor<T> Inverse(Tensor<T> y, Tensor<T>? context = null)
    {
        using var _ = GradMode.NoGrad();
        var ya = Ops.Slice(y, 1, 0, Ca);
        var yb = Ops.Slice(y, 1, Ca, Cb);
        var (xk, yk, dk) = Knots(ya, context);
        int e = Bins + 1, m = yb.Length;
        var bin = Ops.SearchSorted(yk, Ops.Reshape(yb, -1));
        var o = new T[m];
        for (int r = 0; r < m; r++)
        {
            double v = double.CreateTruncating(yb.Data[r]);
            if (!(Math.Abs(v) <= TailBound))
            {
                o[r] = yb.Data[r]; // linear tails: identity (NaN passes through unchanged)
                continue;
            }
            int b = bin[r], at = r * e + b;
            double x0 = D(xk, at), wk = D(xk, at + 1) - x0, y0 = D(yk, at), hk = D(yk, at + 1) - y0;
            double d0 = D(dk, at), d1 = D(dk, at + 1), s = hk / wk, dy = v - y0, t = d0 + d1 - 2 * s;
            double a = hk * (s - d0) + dy * t, bq = hk * d0 - dy * t, c = -s * dy;
            double disc = Math.Max(bq * bq - 4 * a * c, 0);
            double th = Math.Clamp(2 * c / (-bq - Math.Sqrt(disc)), 0, 1);
            o[r] = T.CreateTruncating(th * wk + x0);
        }
        return Ops.Concat(1, ya, new Tensor<T>(yb.Shape, o));
    }

    private static double D(Tensor<T> t, int i) => double.CreateTruncating(t.Data[i]);
}
