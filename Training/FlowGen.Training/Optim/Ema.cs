// Exponential moving average of the weights (Polyak averaging): ema ← d·ema + (1-d)·p after each step, with the
// decay ramped up as min(d, (1+t)/(10+t)) at step t, so the average forgets the initial weights (taken before the
// data-dependent ActNorm initialisation) within a few steps instead of ~1/(1-d). Evaluation, samples and export
// use the averaged weights when EMA is on.
using FlowGen.Training.Autodiff;

namespace FlowGen.Training.Optim;

/// <summary>Weight EMA over all tensors of a model (buffers are copied as they are).</summary>
public sealed class Ema
{
    private readonly Tensor<float>[] _tensors;

    /// <summary>Starts the average at the current weights.</summary>
    public Ema(IEnumerable<Tensor<float>> tensors, double decay)
    {
        if (decay is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(decay), "EMA decay must be in [0, 1).");
        _tensors = tensors.ToArray();
        Shadow = _tensors.Select(t => (float[])t.Data.Clone()).ToArray();
        Decay = decay;
    }

    /// <summary>The averaged values, one array per tensor.</summary>
    public float[][] Shadow { get; }

    /// <summary>Decay d.</summary>
    public double Decay { get; }

    /// <summary>The decay used at (1-based) step <paramref name="step"/>.</summary>
    public double DecayAt(long step) => Math.Min(Decay, (1.0 + step) / (10.0 + step));

    /// <summary>Folds the current weights into the average after (1-based) step <paramref name="step"/>.</summary>
    public void Update(long step)
    {
        float d = (float)DecayAt(step);
        for (int i = 0; i < _tensors.Length; i++)
        {
            var s = Shadow[i];
            var p = _tensors[i].Data;
            for (int j = 0; j < s.Length; j++) s[j] = d * s[j] + (1 - d) * p[j];
        }
    }

    /// <summary>Swaps live and averaged weights (call twice to swap back).</summary>
    public void Swap()
    {
        for (int i = 0; i < _tensors.Length; i++)
        {
            var p = _tensors[i].Data;
            var s = Shadow[i];
            for (int j = 0; j < s.Length; j++) (p[j], s[j]) = (s[j], p[j]);
        }
    }
}
