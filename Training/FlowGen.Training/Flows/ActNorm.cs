// ActNorm (Kingma & Dhariwal 2018): y = (x + b) ⊙ exp(logs) per channel; log|det| = H·W·Σ logs.
// The first forward pass initialises b = -mean, logs = -log(std + 1e-6) (biased std over N,H,W) from
// that batch; the "initialized" buffer is saved, so a loaded model never re-initialises.
using System.Numerics;
using FlowGen.Training.Autodiff;

namespace FlowGen.Training.Flows;

/// <summary>Per-channel affine normalisation with data-dependent initialisation.</summary>
public sealed class ActNorm<T> : FlowTransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates ActNorm for <paramref name="channels"/> channels (identity until initialised).</summary>
    public ActNorm(int channels)
    {
        Bias = Param("bias", new Tensor<T>([1, channels, 1, 1]));
        Logs = Param("logs", new Tensor<T>([1, channels, 1, 1]));
        Initialized = Buffer("initialized", new Tensor<T>([]));
    }

    /// <summary>b [1,C,1,1].</summary>
    public Tensor<T> Bias { get; }

    /// <summary>log-scale [1,C,1,1].</summary>
    public Tensor<T> Logs { get; }

    /// <summary>1 once initialised (saved with the model).</summary>
    public Tensor<T> Initialized { get; }

    /// <summary>True once the data-dependent initialisation has run (or was loaded).</summary>
    public bool IsInitialized => Initialized.Data[0] != T.Zero;

    /// <inheritdoc/>
    public override (Tensor<T> Y, Tensor<T> LogDet) Forward(Tensor<T> x, Tensor<T>? context = null)
    {
        if (!IsInitialized) DataInit(x);
        var y = Ops.Mul(Ops.Add(x, Bias), Ops.Exp(Logs));
        var ld = Ops.Scale(Ops.SumAll(Logs), x.Dim(2) * x.Dim(3));
        return (y, ld);
    }

    /// <inheritdoc/>
    public override Tensor<T> Inverse(Tensor<T> y, Tensor<T>? context = null) =>
        Ops.Sub(Ops.Mul(y, Ops.Exp(Ops.Neg(Logs))), Bias);

    private void DataInit(Tensor<T> x)
    {
        int n = x.Dim(0), c = x.Dim(1), hw = x.Dim(2) * x.Dim(3);
        for (int ch = 0; ch < c; ch++)
        {
            double s = 0, s2 = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < hw; j++) s += double.CreateTruncating(x.Data[(i * c + ch) * hw + j]);
            double mean = s / (n * hw);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < hw; j++)
                {
                    double d = double.CreateTruncating(x.Data[(i * c + ch) * hw + j]) - mean;
                    s2 += d * d;
                }
            double std = Math.Sqrt(s2 / (n * hw));
            Bias.Data[ch] = T.CreateTruncating(-mean);
            Logs.Data[ch] = T.CreateTruncating(-Math.Log(std + 1e-6));
        }
        Initialized.Data[0] = T.One;
    }
}
