// Fixed channel permutations (RealNVP's alternation): reverse, or a seeded shuffle. log|det| = 0.
using System.Numerics;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;

namespace FlowGen.Training.Flows;

/// <summary>y[:, i] = x[:, perm[i]]; the permutation is saved as a buffer.</summary>
public sealed class ChannelPermutation<T> : FlowTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor<T> _perm;

    private ChannelPermutation(int[] perm) =>
        _perm = Buffer("perm", Tensor<T>.From([perm.Length], perm.Select(i => (double)i).ToArray()));

    /// <summary>Channel reversal.</summary>
    public static ChannelPermutation<T> Reverse(int channels) =>
        new(Enumerable.Range(0, channels).Reverse().ToArray());

    /// <summary>A seeded random shuffle (Fisher-Yates).</summary>
    public static ChannelPermutation<T> Shuffle(int channels, Rng rng)
    {
        var p = Enumerable.Range(0, channels).ToArray();
        for (int i = channels - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return new ChannelPermutation<T>(p);
    }

    /// <summary>The permutation (output channel i reads input channel Permutation[i]).</summary>
    public int[] Permutation => _perm.Data.Select(v => int.CreateTruncating(v)).ToArray();

    /// <inheritdoc/>
    public override (Tensor<T> Y, Tensor<T> LogDet) Forward(Tensor<T> x, Tensor<T>? context = null) =>
        (Ops.Gather(x, 1, Permutation), Tensor<T>.Scalar(T.Zero));

    /// <inheritdoc/>
    public override Tensor<T> Inverse(Tensor<T> y, Tensor<T>? context = null)
    {
        var p = Permutation;
        var inv = new int[p.Length];
        for (int i = 0; i < p.Length; i++) inv[p[i]] = i;
        return Ops.Gather(y, 1, inv);
    }
}
