// What the export tests build their small flows from: seeded Gaussian arrays, and a flow made non-trivial the same way
// everywhere (ActNorm's data-dependent initialisation on a batch, then every parameter moved by N(0, 0.1²)).
using FlowGen.Training.Autodiff;
using FlowGen.Training.Data;
using FlowGen.Training.Flows;

namespace FlowGen.Training.Tests.Export;

internal static class TestFlows
{
    /// <summary><paramref name="n"/> draws of N(0, sigma²) from <paramref name="seed"/>.</summary>
    public static float[] Gaussian(int n, ulong seed, float sigma)
    {
        var rng = new Rng(seed);
        var v = new float[n];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextGaussian() * sigma);
        return v;
    }

    /// <summary>Initialises <paramref name="f"/>'s ActNorm on <paramref name="x"/> (with <paramref name="context"/>), then moves
    /// every parameter by 0.1 × N(0, 1) (seed 3), so no layer is the identity; returns it.</summary>
    public static MultiScaleFlow<float> Initialised(MultiScaleFlow<float> f, Tensor<float> x, Tensor<float>? context = null)
    {
        using (GradMode.NoGrad()) f.LogProb(x, context);
        var rng = new Rng(3);
        foreach (var p in f.Parameters())
            for (int i = 0; i < p.Length; i++) p.Data[i] += (float)(0.1 * rng.NextGaussian());
        return f;
    }

    /// <summary>The detail-model sampling graph at <paramref name="path"/> run on <paramref name="n"/> latents z and contexts
    /// of <paramref name="size"/>² pixels, by FlowGen's runtime and by ONNX Runtime: both outputs x.</summary>
    public static (float[] FlowGen, float[] OnnxRuntime) SampleConditionalBoth(string path, int n, int size, float[] z, float[] context)
    {
        using var m = FlowGen.Runtime.FlowModel.Load(path);
        var mine = m.Run(new Dictionary<string, FlowGen.Runtime.TensorData>
        {
            ["z"] = FlowGen.Runtime.TensorData.FromFloats([n, 1, size, size], z), ["context"] = FlowGen.Runtime.TensorData.FromFloats([n, 1, size, size], context),
        })["x"].Floats.ToArray();
        using var s = new FlowGen.Runtime.OnnxRuntime.OrtSession(path);
        var theirs = s.Run(new Dictionary<string, FlowGen.Runtime.OnnxRuntime.OrtTensor>
        {
            ["z"] = new([n, 1, size, size], z), ["context"] = new([n, 1, size, size], context),
        })["x"].Data;
        return (mine, theirs);
    }
}
