// Learning-rate schedule (warm-up, constant, cosine) and weight EMA (ramped decay) on known sequences.
using FlowGen.Training.Autodiff;
using FlowGen.Training.Optim;

namespace FlowGen.Training.Tests.Optim;

public class ScheduleAndEmaTests
{
    [Fact]
    public void WarmupThenConstant()
    {
        var s = new LearningRateSchedule(1e-3, 100);
        Assert.Equal(1e-5, s.At(1), 12);
        Assert.Equal(5e-4, s.At(50), 12);
        Assert.Equal(1e-3, s.At(100), 12);
        Assert.Equal(1e-3, s.At(100_000), 12);
    }

    [Fact]
    public void CosineDecaysFromTheRateToTwoPercentAtTheLastStep()
    {
        var s = new LearningRateSchedule(1e-3, 100, DecayUntil: 1100);
        Assert.Equal(1e-3, s.At(100), 12);
        Assert.Equal(1e-3 * (0.02 + 0.98 * 0.5), s.At(600), 12); // half-way: cos(π/2) = 0
        Assert.Equal(2e-5, s.At(1100), 12);
        Assert.Equal(2e-5, s.At(5000), 12); // a resumed run past the horizon stays at the floor
        for (int t = 101; t <= 1100; t++) Assert.True(s.At(t) <= s.At(t - 1), $"rate rose at step {t}");
    }

    [Fact]
    public void CosineFromALaterStepKeepsTheRateUntilThenAndAnnealsTheRest()
    {
        var s = new LearningRateSchedule(1e-3, 0, DecayUntil: 9000, DecayFrom: 4000);
        Assert.Equal(1e-3, s.At(1), 12);
        Assert.Equal(1e-3, s.At(4000), 12);
        Assert.Equal(1e-3 * (0.02 + 0.98 * 0.5), s.At(6500), 12);
        Assert.Equal(2e-5, s.At(9000), 12);
        for (int t = 4001; t <= 9000; t++) Assert.True(s.At(t) < s.At(t - 1), $"rate did not fall at step {t}");
    }

    [Fact]
    public void EmaForgetsTheInitialWeightsQuicklyThenAveragesSlowly()
    {
        var p = new Tensor<float>([3], [0f, 0f, 0f]);
        var ema = new Ema([p], 0.999);
        Assert.Equal(2.0 / 11, ema.DecayAt(1), 12);
        Assert.Equal(0.999, ema.DecayAt(1_000_000), 12);
        p.Data.AsSpan().Fill(1f);
        for (int step = 1; step <= 100; step++) ema.Update(step);
        // Started at 0 (weights before ActNorm's data-dependent init); after 100 steps of 1 the average is near 1.
        Assert.All(ema.Shadow[0], v => Assert.InRange(v, 0.99f, 1f));
        p.Data.AsSpan().Fill(3f);
        ema.Update(101);
        Assert.All(ema.Shadow[0], v => Assert.InRange(v, 1.0f, 1.2f)); // one step moves it by (1 - 101/110) of the gap
        ema.Swap();
        Assert.All(p.Data, v => Assert.InRange(v, 1.0f, 1.2f));
        Assert.All(ema.Shadow[0], v => Assert.Equal(3f, v));
    }
}
