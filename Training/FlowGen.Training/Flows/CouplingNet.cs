// The conditioner network of the coupling layers (Glow): conv3x3(hidden) → ReLU → conv1x1(hidden) →
// ReLU → conv3x3(out), all with bias and zero padding; the last conv starts at zero so every coupling
// starts as the identity (affine: scale sigmoid(2), shift 0). Context channels are concatenated to the input.
// With a global pool (FlowConfig.GlobalPool) the middle layer also sees the patch as a whole: the first layer's
// features averaged over the image go through their own 1x1 conv (zero-initialised, so training starts from the
// plain network) and are added to every pixel before the second ReLU. A coupling's 3x3 convolutions see a few
// pixels; this lets each one know, e.g., how rugged the whole patch is.
using System.Numerics;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;

namespace FlowGen.Training.Flows;

/// <summary>A convolution with weight [Co,Ci,k,k] and bias [Co] (PyTorch's default uniform init).</summary>
public sealed class Conv2dLayer<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer; weights and bias ~ U(-1/√fan_in, 1/√fan_in), or zeros when <paramref name="zero"/>.</summary>
    public Conv2dLayer(int cin, int cout, int k, Rng rng, bool zero = false)
    {
        double bound = 1.0 / Math.Sqrt(cin * k * k);
        var w = new double[cout * cin * k * k];
        var b = new double[cout];
        if (!zero)
        {
            for (int i = 0; i < w.Length; i++) w[i] = (2 * rng.NextDouble() - 1) * bound;
            for (int i = 0; i < b.Length; i++) b[i] = (2 * rng.NextDouble() - 1) * bound;
        }
        Weight = Param("weight", Tensor<T>.From([cout, cin, k, k], w));
        Bias = Param("bias", Tensor<T>.From([cout], b));
    }

    /// <summary>[Co,Ci,k,k].</summary>
    public Tensor<T> Weight { get; }

    /// <summary>[Co].</summary>
    public Tensor<T> Bias { get; }

    /// <summary>conv2d(x) + bias, same padding.</summary>
    public Tensor<T> Apply(Tensor<T> x) => Ops.Conv2d(x, Weight, Bias);

    /// <summary>relu(conv2d(x) + bias), fused.</summary>
    public Tensor<T> ApplyRelu(Tensor<T> x) => Ops.Conv2dRelu(x, Weight, Bias);
}

/// <summary>conv3x3 → ReLU → conv1x1 → ReLU → conv3x3 (zero-initialised).</summary>
public sealed class CouplingNet<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the network mapping <paramref name="cin"/> (+context) channels to <paramref name="cout"/>.</summary>
    public CouplingNet(int cin, int cout, int hidden, Rng rng, bool globalPool = false)
    {
        Conv1 = Child("conv1", new Conv2dLayer<T>(cin, hidden, 3, rng));
        Conv2 = Child("conv2", new Conv2dLayer<T>(hidden, hidden, 1, rng));
        Conv3 = Child("conv3", new Conv2dLayer<T>(hidden, cout, 3, rng, zero: true));
        // Zero-initialised: draws nothing from rng, so the other layers start as they would without it.
        if (globalPool) Global = Child("global", new Conv2dLayer<T>(hidden, hidden, 1, rng, zero: true));
    }

    /// <summary>First 3x3 conv.</summary>
    public Conv2dLayer<T> Conv1 { get; }

    /// <summary>Middle 1x1 conv.</summary>
    public Conv2dLayer<T> Conv2 { get; }

    /// <summary>Last 3x3 conv (zero-initialised).</summary>
    public Conv2dLayer<T> Conv3 { get; }

    /// <summary>1x1 conv of the image-averaged first-layer features, added before the second ReLU; null without a global pool.</summary>
    public Conv2dLayer<T>? Global { get; }

    /// <summary>The network output for input <paramref name="x"/> and optional context [N,Cc,H,W].</summary>
    public Tensor<T> Apply(Tensor<T> x, Tensor<T>? context)
    {
        if (context is not null) x = Ops.Concat(1, x, context);
        var h = Conv1.ApplyRelu(x);
        if (Global is null) return Conv3.Apply(Conv2.ApplyRelu(h));
        var pooled = Global.Apply(Ops.Mean(h, [2, 3], keepDims: true)); // [N, hidden, 1, 1]
        return Conv3.Apply(Ops.Relu(Ops.Add(Conv2.Apply(h), pooled)));
    }
}
