// Invertible 1x1 convolution (Glow): y = W x at every pixel; log|det| = H·W·log|det W|.
// Two parameterisations share the forward/inverse: plain W (log|det| by LU each step) and the LU form
// W = P (L + I) (U + diag(sign · exp(log_s))) where log|det W| = Σ log_s is free.
using System.Numerics;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;

namespace FlowGen.Training.Flows;

/// <summary>Common part of the 1x1 invertible convolutions.</summary>
public abstract class InvConv1x1Base<T> : FlowTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer for <paramref name="channels"/> channels.</summary>
    protected InvConv1x1Base(int channels) => Channels = channels;

    /// <summary>Number of channels C.</summary>
    public int Channels { get; }

    /// <summary>The C×C weight as a differentiable tensor.</summary>
    public abstract Tensor<T> Weight();

    /// <summary>log|det W| as a differentiable scalar.</summary>
    protected abstract Tensor<T> LogAbsDet(Tensor<T> weight);

    /// <inheritdoc/>
    public override (Tensor<T> Y, Tensor<T> LogDet) Forward(Tensor<T> x, Tensor<T>? context = null)
    {
        var w = Weight();
        var y = Ops.Conv2d(x, Ops.Reshape(w, Channels, Channels, 1, 1), null);
        return (y, Ops.Scale(LogAbsDet(w), x.Dim(2) * x.Dim(3)));
    }

    /// <inheritdoc/>
    public override Tensor<T> Inverse(Tensor<T> y, Tensor<T>? context = null)
    {
        var wi = Tensor<T>.From([Channels, Channels, 1, 1], InverseWeight());
        return Ops.Conv2d(y, wi, null);
    }

    /// <summary>W⁻¹ (row-major C×C), computed in double; the exporter stores it as a constant.</summary>
    public double[] InverseWeight()
    {
        using var _ = GradMode.NoGrad();
        return SmallMatrix.Inverse(Weight().Data.Select(double.CreateTruncating).ToArray(), Channels);
    }
}

/// <summary>1x1 convolution with an unconstrained weight, initialised to a random rotation.</summary>
public sealed class InvConv1x1<T> : InvConv1x1Base<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor<T> _w;

    /// <summary>Creates the layer with a random orthogonal W drawn from <paramref name="rng"/>.</summary>
    public InvConv1x1(int channels, Rng rng) : base(channels) =>
        _w = Param("weight", Tensor<T>.From([channels, channels], SmallMatrix.RandomOrthogonal(channels, rng)));

    /// <inheritdoc/>
    public override Tensor<T> Weight() => _w;

    /// <inheritdoc/>
    protected override Tensor<T> LogAbsDet(Tensor<T> weight) => Ops.LogAbsDet(weight);
}

/// <summary>LU-parameterised 1x1 convolution; P and sign(s) are fixed buffers (names as glow_ref.py).</summary>
public sealed class InvConv1x1LU<T> : InvConv1x1Base<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor<T> _l, _u, _logS, _p, _signS, _maskL, _eye;

    /// <summary>Creates the layer from the LU factors of a random orthogonal matrix drawn from <paramref name="rng"/>.</summary>
    public InvConv1x1LU(int channels, Rng rng) : base(channels)
    {
        int n = channels;
        var (lu, perm, _) = SmallMatrix.Lu(SmallMatrix.RandomOrthogonal(n, rng), n);
        // W = P L U with P[perm[i], i] = 1 (PA = LU ⇒ A = PᵀLU; P here is that Pᵀ).
        var p = new double[n * n];
        var l = new double[n * n];
        var u = new double[n * n];
        var s = new double[n];
        var sign = new double[n];
        var maskL = new double[n * n];
        var eye = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            p[perm[i] * n + i] = 1;
            eye[i * n + i] = 1;
            s[i] = Math.Log(Math.Abs(lu[i * n + i]));
            sign[i] = Math.Sign(lu[i * n + i]);
            for (int j = 0; j < n; j++)
            {
                if (j < i) { l[i * n + j] = lu[i * n + j]; maskL[i * n + j] = 1; }
                if (j > i) u[i * n + j] = lu[i * n + j];
            }
        }
        _l = Param("L", Tensor<T>.From([n, n], l));
        _u = Param("U", Tensor<T>.From([n, n], u));
        _logS = Param("log_s", Tensor<T>.From([n], s));
        _p = Buffer("P", Tensor<T>.From([n, n], p));
        _signS = Buffer("sign_s", Tensor<T>.From([n], sign));
        _maskL = Buffer("mask_l", Tensor<T>.From([n, n], maskL));
        _eye = Buffer("eye", Tensor<T>.From([n, n], eye));
    }

    /// <inheritdoc/>
    public override Tensor<T> Weight()
    {
        var maskU = Ops.Transpose(_maskL); // buffers may be replaced in place by a load; derive each time
        var lower = Ops.Add(Ops.Mul(_l, _maskL), _eye);
        var upper = Ops.Add(Ops.Mul(_u, maskU), Ops.Diag(Ops.Mul(_signS, Ops.Exp(_logS))));
        return Ops.MatMul(Ops.MatMul(_p, lower), upper);
    }

    /// <inheritdoc/>
    protected override Tensor<T> LogAbsDet(Tensor<T> weight) => Ops.SumAll(_logS);
}
