// The depression penalty of `flowgen train --depression-weight`: its value on a hand-measured dammed valley, its gradient
// against finite differences, and that the gradient reaches a flow's parameters through its sampling direction and lowers
// the penalty of the same latents.
using FlowGen.Training.Autodiff;
using FlowGen.Training.Flows;

namespace FlowGen.Training.Tests.Autodiff;

public class DepressionPenaltyTests
{
    private const int N = 16;

    // A V-shaped valley (5 m a pixel up each side, 0.1 m a pixel down-valley) dammed at row 5 by a 30 m wall: the three
    // pixels above the dam lie 21, 12 and 3 m below its crest (TerrainMorphometryTests' dammed valley, pixels in metres).
    private static float[] Valley(bool dammed)
    {
        var a = new float[N * N];
        for (int r = 0; r < N; r++)
            for (int c = 0; c < N; c++) a[r * N + c] = 450f * Math.Abs(c - 8) + 9f * r + (dammed && r == 5 && c == 8 ? 30f : 0f);
        return a;
    }

    private static Tensor<float> Batch(double scale, bool requiresGrad, params float[][] patches) =>
        new([patches.Length, 1, N, N], patches.SelectMany(p => p.Select(v => (float)(v / scale))).ToArray(), requiresGrad);

    [Fact]
    public void TheValueIsTheMeanDepthBeyondTheFreeDepth()
    {
        // Two patches, one dammed: (21 - 1) + (12 - 1) + (3 - 1) m over 2·16² pixels; at 5 m free only the 21 and 12 m pixels count.
        Assert.Equal(33.0 / (2 * N * N), Ops.DepressionPenalty(Batch(1, false, Valley(true), Valley(false)), 1, 1).Data[0], 6);
        Assert.Equal(23.0 / (2 * N * N), Ops.DepressionPenalty(Batch(1, false, Valley(true), Valley(false)), 1, 5).Data[0], 6);
        // In units of 2.5 m the same metres come out; without a dam there is nothing to penalise.
        Assert.Equal(33.0 / (2 * N * N), Ops.DepressionPenalty(Batch(2.5, false, Valley(true), Valley(false)), 2.5, 1).Data[0], 5);
        Assert.Equal(0f, Ops.DepressionPenalty(Batch(1, false, Valley(false)), 1, 0).Data[0]);
    }

    [Fact]
    public void TheGradientLowersTheCrestAndRaisesThePoolAsFiniteDifferencesDo()
    {
        const double scale = 2.5, free = 1;
        var x = Batch(scale, true, Valley(false), Valley(true));
        Ops.DepressionPenalty(x, scale, free).Backward();
        var grad = x.Grad!;
        const float h = 0.01f; // in units; the penalty is linear in every coordinate within ±h here
        for (int i = 0; i < x.Length; i++)
        {
            float v = x.Data[i];
            x.Data[i] = v + h;
            double up = Penalty(x);
            x.Data[i] = v - h;
            double down = Penalty(x);
            x.Data[i] = v;
            Assert.Equal((up - down) / (2 * h), grad[i], 4);
        }
        // The crest carries the pull of its three pool pixels, each pool pixel its own push up.
        double unit = scale / (2.0 * N * N);
        Assert.Equal(3 * unit, grad[N * N + 5 * N + 8], 6);
        Assert.Equal(-unit, grad[N * N + 6 * N + 8], 6);
        Assert.Equal(0, grad.Take(N * N).Count(g => g != 0));

        static double Penalty(Tensor<float> x)
        {
            using var _ = GradMode.NoGrad();
            return Ops.DepressionPenalty(x, scale, free).Data[0];
        }
    }

    [Fact]
    public void BadShapesAndScalesAreErrors()
    {
        Assert.Throws<ArgumentException>(() => Ops.DepressionPenalty(new Tensor<float>([2, 2, N, N]), 1, 1));
        Assert.Throws<ArgumentException>(() => Ops.DepressionPenalty(new Tensor<float>([2, 1, 2, 2]), 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.DepressionPenalty(new Tensor<float>([2, 1, N, N]), 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ops.DepressionPenalty(new Tensor<float>([2, 1, N, N]), 1, -1));
    }

    [Fact]
    public void ThroughTheSamplingDirectionAStepDownTheGradientLowersThePenaltyOfTheSameLatents()
    {
        var flow = new MultiScaleFlow<float>(new FlowConfig { Size = N, Levels = 2, StepsPerLevel = 2, Hidden = 8 }, 3);
        var rng = new Random(5);
        var z = new float[32 * flow.Config.Dims];
        for (int i = 0; i < z.Length; i++) z[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var latents = new Tensor<float>([32, flow.Config.Dims], z);
        var parameters = flow.Parameters().ToList();
        foreach (var p in parameters) // off Glow's initial identity (zero last convolutions): a flow part-way through training
            for (int i = 0; i < p.Length; i++) p.Data[i] += (float)(0.05 * (rng.NextDouble() - 0.5));
        foreach (var p in parameters) p.ZeroGrad();
        var before = Ops.DepressionPenalty(flow.Decode(latents, record: true), 1, 0);
        Assert.True(before.Data[0] > 0.05, $"white-noise samples have depressions ({before.Data[0]})");
        before.Backward();
        // Every trained tensor but the 1x1 convolutions' (a constant inverse in the sampling pass) is reached.
        foreach (var (name, t, trainable) in flow.NamedTensors())
            if (trainable && !name.Contains(".invconv.")) Assert.True(t.Grad is not null && t.Grad.Any(g => g != 0), $"{name} got no gradient");
        // A step whose first-order decrease is 10 % of the penalty: at least half of that is realised.
        double norm2 = parameters.Where(p => p.Grad is not null).Sum(p => p.Grad!.Sum(g => (double)g * g));
        float step = (float)(0.1 * before.Data[0] / norm2);
        foreach (var p in parameters)
            if (p.Grad is { } g)
                for (int i = 0; i < p.Length; i++) p.Data[i] -= step * g[i];
        float after;
        using (GradMode.NoGrad()) after = Ops.DepressionPenalty(flow.Decode(latents), 1, 0).Data[0];
        Assert.True(after < 0.95 * before.Data[0], $"penalty {before.Data[0]} -> {after}");
    }
}
