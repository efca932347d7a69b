// Glow's learned prior at a split (Kingma & Dhariwal 2018; openai/glow's split2d prior): the half of the channels a
// level factors out, z, is not given a standard-normal prior of its own but a Gaussian whose mean and log-scale a
// zero-initialised 3x3 convolution reads from the half that goes on to the coarser levels, h:
//   [μ; log σ] = conv3x3(h),  ε = (z - μ) / σ,  log|det ∂ε/∂z| = -Σ log σ.
// ε is the latent the flow's layout holds (standard normal). Sampling runs it backwards, z = μ(h) + σ(h) ε, after the
// coarser levels have drawn h: a pixel's fine detail gets a mean and a spread from the coarse structure around it (on
// a heightmap: where a valley runs, how rough its floor is) instead of being independent noise that the level's
// couplings must align. Zero-initialised, so training starts from the standard-normal prior. A temperature scales ε,
// so it scales σ and keeps μ.
using System.Numerics;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;

namespace FlowGen.Training.Flows;

/// <summary>The learned conditional prior of one split: z | h ~ N(μ(h), σ(h)²) per element.</summary>
public sealed class SplitPrior<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A prior for <paramref name="factored"/> channels read from <paramref name="kept"/> channels.</summary>
    public SplitPrior(int kept, int factored, Rng rng)
    {
        Kept = kept;
        Factored = factored;
        Conv = Child("conv", new Conv2dLayer<T>(kept, 2 * factored, 3, rng, zero: true));
    }

    /// <summary>Channels the prior reads (the half that goes on).</summary>
    public int Kept { get; }

    /// <summary>Channels it models (the half factored out).</summary>
    public int Factored { get; }

    /// <summary>The 3x3 convolution: output channels [0, Factored) are μ, [Factored, 2·Factored) are log σ.</summary>
    public Conv2dLayer<T> Conv { get; }

    private (Tensor<T> Mean, Tensor<T> LogScale) Parameters(Tensor<T> kept)
    {
        var p = Conv.Apply(kept);
        return (Ops.Slice(p, 1, 0, Factored), Ops.Slice(p, 1, Factored, Factored));
    }

    /// <summary>Density direction: ε = (z - μ(h)) / σ(h) and its log|det| [N] (= -Σ log σ).</summary>
    public (Tensor<T> Eps, Tensor<T> LogDet) Encode(Tensor<T> kept, Tensor<T> z)
    {
        var (mean, logs) = Parameters(kept);
        var eps = Ops.Mul(Ops.Sub(z, mean), Ops.Exp(Ops.Neg(logs)));
        return (eps, Ops.Neg(Ops.Sum(logs, [1, 2, 3])));
    }

    /// <summary>Sampling direction: z = μ(h) + σ(h) ε.</summary>
    public Tensor<T> Decode(Tensor<T> kept, Tensor<T> eps)
    {
        var (mean, logs) = Parameters(kept);
        return Ops.Add(Ops.Mul(eps, Ops.Exp(logs)), mean);
    }
}
