// Adam / AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019) with bias correction, as torch.optim.Adam:
//   m ← β1 m + (1-β1) g;  v ← β2 v + (1-β2) g²;  p ← p - lr · (m/(1-β1^t)) / (√(v/(1-β2^t)) + ε)
// AdamW additionally decays p ← p (1 - lr·wd) before the update. The moments are part of checkpoints.
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using FlowGen.Training.Autodiff;

namespace FlowGen.Training.Optim;

/// <summary>Adam over a fixed list of float parameters.</summary>
public sealed class Adam
{
    private readonly Tensor<float>[] _params;

    /// <summary>Creates the optimiser; defaults as torch.optim.Adam (β = 0.9, 0.999; ε = 1e-8).</summary>
    public Adam(IEnumerable<Tensor<float>> parameters, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
    {
        _params = parameters.ToArray();
        M = _params.Select(p => new float[p.Length]).ToArray();
        V = _params.Select(p => new float[p.Length]).ToArray();
        (Beta1, Beta2, Eps, WeightDecay) = (beta1, beta2, eps, weightDecay);
    }

    /// <summary>First moments, one array per parameter.</summary>
    public float[][] M { get; }

    /// <summary>Second moments, one array per parameter.</summary>
    public float[][] V { get; }

    /// <summary>Steps taken (for bias correction).</summary>
    public long Step { get; set; }

    /// <summary>β1.</summary>
    public double Beta1 { get; }

    /// <summary>β2.</summary>
    public double Beta2 { get; }

    /// <summary>ε.</summary>
    public double Eps { get; }

    /// <summary>Decoupled weight decay (AdamW); 0 = Adam.</summary>
    public double WeightDecay { get; }

    /// <summary>Global L2 norm of all gradients (missing gradients count as zero).</summary>
    public double GradNorm()
    {
        double s = 0;
        foreach (var p in _params)
            if (p.Grad is { } g) s += (double)TensorPrimitives.Dot(g, g);
        return Math.Sqrt(s);
    }

    /// <summary>Scales all gradients so their global norm is at most <paramref name="maxNorm"/>; returns the norm before.</summary>
    public double ClipGradNorm(double maxNorm)
    {
        double n = GradNorm();
        if (maxNorm > 0 && n > maxNorm)
        {
            float f = (float)(maxNorm / (n + 1e-6));
            foreach (var p in _params)
                if (p.Grad is { } g) TensorPrimitives.Multiply(g, f, g);
        }
        return n;
    }

    /// <summary>One update with learning rate <paramref name="lr"/>; clears the gradients.</summary>
    public void Update(double lr)
    {
        Step++;
        double bc1 = 1 - Math.Pow(Beta1, Step), bc2 = 1 - Math.Pow(Beta2, Step);
        float b1 = (float)Beta1, b2 = (float)Beta2, stepSize = (float)(lr / bc1), sq = (float)(1 / Math.Sqrt(bc2)), eps = (float)Eps;
        float decay = (float)(1 - lr * WeightDecay);
        Engine.For(_params.Length, i =>
        {
            var p = _params[i];
            var g = p.Grad;
            if (g is null) return;
            var d = p.Data;
            var m = M[i];
            var v = V[i];
            for (int j = 0; j < d.Length; j++)
            {
                float gj = g[j];
                m[j] = b1 * m[j] + (1 - b1) * gj;
                v[j] = b2 * v[j] + (1 - b2) * gj * gj;
                if (decay != 1f) d[j] *= decay;
                d[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) * sq + eps);
            }
        });
        foreach (var p in _params) p.ZeroGrad();
    }
}
