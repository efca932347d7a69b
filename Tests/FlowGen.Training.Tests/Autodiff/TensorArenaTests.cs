// The training-step arena: recycled arrays must give bit-identical results (stale contents never leak
// into a result) and a repeated step must take no new memory.
using FlowGen.Training.Autodiff;
using FlowGen.Training.Flows;

namespace FlowGen.Training.Tests.Autodiff;

public class TensorArenaTests
{
    private static (float Loss, float[][] Grads) Step(MultiScaleFlow<float> model, float[] x)
    {
        var lp = model.LogProb(new Tensor<float>([x.Length / 64, 1, 8, 8], x));
        var loss = Ops.Scale(Ops.SumAll(lp), -1.0 / x.Length);
        loss.Backward();
        var grads = model.Parameters().Select(p => (float[])p.Grad!.Clone()).ToArray();
        foreach (var p in model.Parameters()) p.ZeroGrad();
        return (loss.Data[0], grads);
    }

    [Fact]
    public void StepsInsideTheArenaMatchStepsOutsideBitForBit()
    {
        var model = new MultiScaleFlow<float>(new FlowConfig { Size = 8, Levels = 2, StepsPerLevel = 2, Hidden = 8 }, 3);
        var rng = new Random(5);
        var x = Enumerable.Range(0, 4 * 64).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
        var y = x.Select(v => v * -3 + 1).ToArray();
        using (GradMode.NoGrad()) model.LogProb(new Tensor<float>([4, 1, 8, 8], x)); // ActNorm initialisation
        var expected = Step(model, x);
        var arena = new TensorArena<float>();
        using (arena.Begin()) Step(model, y); // leaves other values in the recycled arrays
        long bytes = arena.Bytes;
        Assert.True(bytes > 0);
        for (int round = 0; round < 2; round++)
        {
            (float Loss, float[][] Grads) got;
            using (arena.Begin()) got = Step(model, x);
            Assert.Equal(expected.Loss, got.Loss);
            for (int i = 0; i < expected.Grads.Length; i++) Assert.Equal(expected.Grads[i], got.Grads[i]);
            Assert.Equal(bytes, arena.Bytes); // the same shapes again: nothing new
        }
    }

    [Fact]
    public void ScopesDoNotNest()
    {
        var arena = new TensorArena<float>();
        using (arena.Begin()) Assert.Throws<InvalidOperationException>(() => arena.Begin());
        using (arena.Begin()) { } // the first scope ended cleanly
    }
}
