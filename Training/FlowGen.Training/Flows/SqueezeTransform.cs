// Space-to-depth 2x2 (Glow/RealNVP): [N,C,H,W] → [N,4C,H/2,W/2], channel c*4 + dy*2 + dx; log|det| = 0.
using System.Numerics;
using FlowGen.Training.Autodiff;

namespace FlowGen.Training.Flows;

/// <summary>The 2x2 squeeze as a flow transform.</summary>
public sealed class SqueezeTransform<T> : FlowTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override (Tensor<T> Y, Tensor<T> LogDet) Forward(Tensor<T> x, Tensor<T>? context = null) =>
        (Ops.Squeeze2x2(x), Tensor<T>.Scalar(T.Zero));

    /// <inheritdoc/>
    public override Tensor<T> Inverse(Tensor<T> y, Tensor<T>? context = null) => Ops.Unsqueeze2x2(y);
}
