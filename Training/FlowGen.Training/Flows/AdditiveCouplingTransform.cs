// Additive coupling (NICE, Dinh et al. 2014): yb = xb + NN(xa, ctx); volume preserving, log|det| = 0.
using System.Numerics;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;

namespace FlowGen.Training.Flows;

/// <summary>NICE additive coupling.</summary>
public sealed class AdditiveCouplingTransform<T> : FlowTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the coupling for <paramref name="channels"/> channels (+ <paramref name="contextChannels"/>).</summary>
    public AdditiveCouplingTransform(int channels, int hidden, Rng rng, int contextChannels = 0)
    {
        if (channels < 2) throw new ArgumentOutOfRangeException(nameof(channels), "Coupling needs at least 2 channels.");
        Ca = channels / 2;
        Cb = channels - Ca;
        Net = Child("net", new CouplingNet<T>(Ca + contextChannels, Cb, hidden, rng));
    }

    /// <summary>Conditioner channels.</summary>
    public int Ca { get; }

    /// <summary>Transformed channels.</summary>
    public int Cb { get; }

    /// <summary>The conditioner network.</summary>
    public CouplingNet<T> Net { get; }

    /// <inheritdoc/>
    public override (Tensor<T> Y, Tensor<T> LogDet) Forward(Tensor<T> x, Tensor<T>? context = null)
    {
        var xa = Ops.Slice(x, 1, 0, Ca);
        var yb = Ops.Add(Ops.Slice(x, 1, Ca, Cb), Net.Apply(xa, context));
        return (Ops.Concat(1, xa, yb), Tensor<T>.Scalar(T.Zero));
    }

    /// <inheritdoc/>
    public override Tensor<T> Inverse(Tensor<T> y, Tensor<T>? context = null)
    {
        var ya = Ops.Slice(y, 1, 0, Ca);
        return Ops.Concat(1, ya, Ops.Sub(Ops.Slice(y, 1, Ca, Cb), Net.Apply(ya, context)));
    }
}
