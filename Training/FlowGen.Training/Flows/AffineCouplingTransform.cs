// Affine coupling with Glow's bounded scale (Kingma & Dhariwal 2018, openai/glow):
//   xa = x[:, :C/2] (conditioner), xb = x[:, C/2:];  h = NN(xa, ctx)
//   shift = h[:, 0::2], scale = sigmoid(h[:, 1::2] + 2)      (interleaved channels)
//   yb = (xb + shift) ⊙ scale;  log|det| = Σ log sigmoid(h[:, 1::2] + 2)
using System.Numerics;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;

namespace FlowGen.Training.Flows;

/// <summary>Glow affine coupling; identity at initialisation up to the constant scale sigmoid(2).</summary>
public sealed class AffineCouplingTransform<T> : FlowTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the coupling for <paramref name="channels"/> channels (+ <paramref name="contextChannels"/>).</summary>
    public AffineCouplingTransform(int channels, int hidden, Rng rng, int contextChannels = 0, bool globalPool = false)
    {
        if (channels < 2) throw new ArgumentOutOfRangeException(nameof(channels), "Coupling needs at least 2 channels.");
        Ca = channels / 2;
        Cb = channels - Ca;
        Net = Child("net", new CouplingNet<T>(Ca + contextChannels, 2 * Cb, hidden, rng, globalPool));
    }

    /// <summary>Conditioner channels (first half).</summary>
    public int Ca { get; }

    /// <summary>Transformed channels (second half).</summary>
    public int Cb { get; }

    /// <summary>The conditioner network.</summary>
    public CouplingNet<T> Net { get; }

    private (Tensor<T> Shift, Tensor<T> PreScale) ShiftScale(Tensor<T> xa, Tensor<T>? ctx)
    {
        var h = Net.Apply(xa, ctx);
        return (Ops.Slice(h, 1, 0, Cb, 2), Ops.AddScalar(Ops.Slice(h, 1, 1, Cb, 2), 2.0));
    }

    /// <inheritdoc/>
    public override (Tensor<T> Y, Tensor<T> LogDet) Forward(Tensor<T> x, Tensor<T>? context = null)
    {
        var xa = Ops.Slice(x, 1, 0, Ca);
        var (yb, logDet) = Ops.AffineCoupling(Ops.Slice(x, 1, Ca, Cb), Net.Apply(xa, context)); // fused: shapes in Ops.Coupling.cs
        return (Ops.Concat(1, xa, yb), logDet);
    }

    /// <inheritdoc/>
    public override Tensor<T> Inverse(Tensor<T> y, Tensor<T>? context = null)
    {
        var ya = Ops.Slice(y, 1, 0, Ca);
        var yb = Ops.Slice(y, 1, Ca, Cb);
        var (shift, a) = ShiftScale(ya, context);
        return Ops.Concat(1, ya, Ops.Sub(Ops.Div(yb, Ops.Sigmoid(a)), shift));
    }
}
